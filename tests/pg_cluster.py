"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl on a free loopback port, fsync off.

PostgreSQL refuses to run as root, so under root (CI) the server runs as the `postgres` user the Debian package
creates; otherwise as the current user. Everything lives in a fresh directory that stop() removes. The server is
stopped by pg_ctl on its own data directory (its own postmaster), never by name.
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from monlight_test import free_port


def bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def available():
    if bin_dir() is None:
        return False
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


def require():
    """Skips the calling test when PostgreSQL is not installed; fails instead under CI."""
    import pytest
    if not available():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "PostgreSQL server binaries not installed (scripts/install-deps.sh --test installs postgresql)")


class PgCluster:
    def __init__(self, fsync=False):
        """fsync=True for measurements (a durable server); tests run without."""
        self.fsync = fsync
        self.bin = bin_dir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="monlight-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "server.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        self.running = False

    def _run(self, args, check=True, timeout=60):
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout, cwd=self.dir)

    def start(self):
        if not self.data.exists():
            self._run([self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--locale=C.UTF-8", "-N"])
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=100"
        if not self.fsync:
            opts += " -c fsync=off -c full_page_writes=off"
        self._run([self.bin / "pg_ctl", "-D", self.data, "-l", self.log_path, "-w", "-t", "60", "-o", opts,
                   "start"])
        self.running = True
        return self

    def stop(self, mode="fast"):
        if self.running:
            self._run([self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"], check=False)
            self.running = False

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def dsn(self, dbname="postgres"):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def psql(self, sql, dbname="postgres"):
        """Runs `sql` with psql; returns its unaligned, tuples-only output."""
        r = subprocess.run([str(self.bin / "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d", dbname, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr}")
        return r.stdout.strip()

    def create_database(self, name):
        self.psql(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except (FileNotFoundError, PermissionError):
            return ""

    def wait_accepting(self, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.psql("SELECT 1")
                return
            except RuntimeError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
