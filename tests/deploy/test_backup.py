"""deploy/backup.sh and deploy/restore.sh against the native build (--local mode): backups taken while ingest runs
into all four databases, restored into a fresh data directory, hold every row acknowledged before the backup
started; rotation keeps RETENTION_COUNT; a damaged database is reported and fails the run."""
import os
import subprocess
import threading
import time
from pathlib import Path

from monlight_test import Host, http

ROOT = Path(__file__).resolve().parent.parent.parent
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
ALL = ["error-tracker", "log-viewer", "metrics-collector", "browser-relay"]
UNLIMITED = {f"{p}.rate_limit": 0 for p in ALL}  # the writers and the checks send hundreds of requests a minute


class Ingest:
    """Background writers; each acknowledged item is recorded with the time its answer arrived."""

    def __init__(self, host):
        self.h = host
        self.stop = threading.Event()
        self.errors, self.metrics, self.logs = [], [], []  # (ack_time, id or name)
        self.failures = []
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._errors, self._metrics, self._logs)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)
        assert not self.failures, self.failures[:5]

    def _loop(self, fn):
        i = 0
        while not self.stop.is_set():
            try:
                fn(i)
            except Exception as e:  # noqa: BLE001 - recorded and asserted in finish()
                self.failures.append(repr(e))
                return
            i += 1

    def _errors(self):
        def one(i):
            r = self.h.request("error-tracker", "POST", "/api/errors", {
                "project": "backup-test", "exception_type": f"BackupError{i}", "message": f"m{i}", "traceback": ""})
            assert r.status == 201, r
            self.errors.append((time.time(), r.json()["id"]))
        self._loop(one)

    def _metrics(self):
        def one(i):
            r = self.h.request("metrics-collector", "POST", "/api/metrics",
                               [{"name": f"backup_metric_{i}", "type": "gauge", "value": i, "project": "backup-test"}])
            assert r.status == 202 and r.json()["count"] == 1, r
            self.metrics.append((time.time(), f"backup_metric_{i}"))
        self._loop(one)

    def _logs(self):
        def one(i):
            r = self.h.request("log-viewer", "POST", "/api/logs",
                               {"logs": [{"message": f"backupline{i}x", "source": "backup-src"}]})
            assert r.status == 202, r
            self.logs.append((time.time(), f"backupline{i}x"))
        self._loop(one)


def run(cmd, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=e, timeout=120)


def test_backup_while_ingesting_then_restore_into_a_fresh_data_dir(host_factory, tmp_path):
    h = host_factory(ALL, config=UNLIMITED)
    r = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "backup-test"})
    assert r.status == 201
    dsn = r.json()["public_key"]
    ingest = Ingest(h).start()
    time.sleep(1.5)
    backups = tmp_path / "backups"
    started = time.time()
    r = run([BACKUP, "--local", h.data_dir], BACKUP_DIR=str(backups), RETENTION_COUNT="2")
    assert r.returncode == 0, r.stdout + r.stderr
    time.sleep(1.1)  # backups taken in the same second share a name
    r2 = run([BACKUP, "--local", h.data_dir], BACKUP_DIR=str(backups), RETENTION_COUNT="2", COMPRESS="1")
    time.sleep(0.5)
    ingest.finish()
    assert r2.returncode == 0, r2.stdout + r2.stderr
    lines = r.stdout.strip().splitlines()
    assert [ln.split()[0:2] for ln in lines] == [["OK", "errors"], ["OK", "logs"], ["OK", "metrics"],
                                                 ["OK", "browser-relay"]], r.stdout
    before = {k: [x for t, x in getattr(ingest, k) if t < started] for k in ("errors", "metrics", "logs")}
    assert all(len(v) >= 5 for v in before.values()), {k: len(v) for k, v in before.items()}
    print("acknowledged before the backup started:", {k: len(v) for k, v in before.items()},
          "in all:", {k: len(getattr(ingest, k)) for k in before})
    # the ingest really ran while the backup was being taken
    assert [t for t, _ in ingest.errors if t > started], "no error acknowledged after the backup started"

    # restore the first (plain) backups into a fresh data directory and start a host on it
    files = sorted(p for p in backups.rglob("*.db"))
    assert len(files) == 4 and len(list(backups.rglob("*.db.gz"))) == 4, list(backups.rglob("*"))
    fresh = Host(tmp_path / "restored", ALL, config=UNLIMITED)
    fresh.data_dir.mkdir(parents=True)
    r = run([RESTORE, "--local", fresh.data_dir, *files])
    assert r.returncode == 0, r.stdout + r.stderr
    fresh.start()
    try:
        key = fresh.keys
        # errors: every group acknowledged before the backup started
        for gid in before["errors"]:
            got = http("GET", fresh.url("error-tracker") + f"/api/errors/{gid}",
                       headers={"X-API-Key": key["error-tracker"]})
            assert got.status == 200 and b"BackupError" in got.body, (gid, got)
        names = http("GET", fresh.url("metrics-collector") + "/api/metrics/names?project=backup-test",
                     headers={"X-API-Key": key["metrics-collector"]}).body.decode()
        missing = [n for n in before["metrics"] if f'"{n}"' not in names]
        assert not missing, missing[:5]
        seen = set()
        for offset in range(0, 100000, 500):
            got = http("GET", fresh.url("log-viewer") + f"/api/logs?container=backup-src&limit=500&offset={offset}",
                       headers={"X-API-Key": key["log-viewer"]})
            assert got.status == 200, got
            page = got.json()["logs"]
            seen.update(e["message"] for e in page)
            if len(page) < 500:
                break
        missing = [m for m in before["logs"] if m not in seen]
        assert not missing, missing[:5]
        got = http("GET", fresh.url("browser-relay") + "/api/dsn-keys", headers={"X-API-Key": key["browser-relay"]})
        assert dsn.encode() in got.body
        # and the restored DSN key authenticates browser telemetry
        got = http("POST", fresh.url("browser-relay") + "/api/browser/errors",
                   {"type": "Restored", "message": "m", "stack": ""}, {"X-Monlight-Key": dsn})
        assert got.status == 201, got
    finally:
        assert fresh.stop() == 0

    # restoring the compressed set works too, and refuses while a database looks open
    gz = sorted(backups.rglob("*.db.gz"))
    r = run([RESTORE, "--local", h.data_dir, *gz])
    assert r.returncode == 1 and "still running" in r.stdout, r.stdout + r.stderr
    r = run([RESTORE, "--local", fresh.data_dir, *gz])
    assert r.returncode == 0 and r.stdout.count("OK ") == 4, r.stdout + r.stderr


def test_rotation_keeps_the_newest_retention_count(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    subprocess.run(["sqlite3", str(data / "metrics.db"), "create table t(x); insert into t values (1);"], check=True)
    backups = tmp_path / "b"
    old = backups / "metrics"
    old.mkdir(parents=True)
    for d in ("2020-01-01_000000", "2020-01-02_000000", "2020-01-03_000000"):
        (old / f"metrics_{d}.db").write_bytes(b"x")
    (old / "unrelated.txt").write_text("kept")
    r = run([BACKUP, "--local", data, "metrics", "errors"], BACKUP_DIR=str(backups), RETENTION_COUNT="2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SKIP errors" in r.stdout and "OK metrics -> " in r.stdout
    kept = sorted(p.name for p in old.iterdir())
    assert len(kept) == 3 and kept[0] == "metrics_2020-01-03_000000.db" and kept[2] == "unrelated.txt", kept
    out = subprocess.run(["sqlite3", str(old / kept[1]), "select x from t"], capture_output=True, text=True)
    assert out.stdout.strip() == "1"


def test_a_damaged_database_fails_the_backup(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "errors.db").write_bytes(b"this is not a database" * 100)
    subprocess.run(["sqlite3", str(data / "logs.db"), "create table t(x);"], check=True)
    r = run([BACKUP, "--local", data], BACKUP_DIR=str(tmp_path / "b"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL errors" in r.stdout and "OK logs" in r.stdout, r.stdout
    assert not list((tmp_path / "b" / "errors").iterdir())
    assert not list((data / ".backup").iterdir())
    assert run([BACKUP, "--bogus"]).returncode == 2
