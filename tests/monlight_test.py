"""Helpers for black-box tests: start the real monlight-host binary and speak HTTP to it."""
import http.client as httpclient
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The release version (top-level VERSION file; the host reports it in /health, Server and monlight_build_info)
VERSION = (ROOT / "VERSION").read_text().strip()
SERVICE_PLUGINS = ["error-tracker", "log-viewer", "metrics-collector", "browser-relay"]


def build_dir():
    return Path(os.environ.get("MONLIGHT_BUILD_DIR", ROOT / "build")).resolve()


def host_binary():
    """The monlight-host to start: MONLIGHT_HOST_BINARY (e.g. tests/release's launcher of the host installed from the
    .deb) or the build's."""
    override = os.environ.get("MONLIGHT_HOST_BINARY")
    return Path(override) if override else build_dir() / "bin" / "monlight-host"


def plugin_dir():
    """host.plugin_path of the configs Host writes: MONLIGHT_PLUGIN_DIR (e.g. /usr/lib/monlight/plugins of the
    installed package) or the build's."""
    override = os.environ.get("MONLIGHT_PLUGIN_DIR")
    return Path(override) if override else build_dir() / "lib" / "monlight" / "plugins"


def self_signed_cert(directory, cn="localhost"):
    """A fresh self-signed certificate and key (openssl) in `directory`; returns (certfile, keyfile)."""
    key, crt = Path(directory) / "self-signed-key.pem", Path(directory) / "self-signed-cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(crt), "-days", "1", "-subj", f"/CN={cn}"], check=True, capture_output=True)
    return str(crt), str(key)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


def http(method, url, body=None, headers=None, timeout=10):
    """One request on a new connection. body: dict/list (JSON), str or bytes."""
    u = urllib.parse.urlsplit(url)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=timeout)
    hdrs = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


class Host:
    """A monlight-host child process with its own config, data directory and ports."""

    def __init__(self, tmp_path, plugins, config=None, env=None, combined=False, plugin_path=None):
        self.dir = Path(tmp_path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.dir / "data"
        self.config_path = self.dir / "monlight.properties"
        self.plugins = list(plugins)
        self.ports = {}
        self.keys = {}
        self.proc = None
        self._log_path = self.dir / "host.log"
        self._log_file = None
        self.env = dict(env or {})
        self.binary = None  # another monlight-host executable (e.g. an installed one); None = host_binary()
        lines = [
            f"host.plugins = {', '.join(self.plugins)}",
            f"host.plugin_path = {plugin_path or plugin_dir()}",
            f"host.data_dir = {self.data_dir}",
            "host.log_level = debug",
            "host.shutdown_grace_seconds = 3",
        ]
        self.combined_port = None
        if combined:
            self.combined_port = free_port()
            lines.append(f"host.listen = 127.0.0.1:{self.combined_port}")
        cfg = dict(config or {})
        for p in self.plugins:
            if p in SERVICE_PLUGINS:
                if f"{p}.listen" not in cfg:
                    self.ports[p] = free_port()
                    cfg[f"{p}.listen"] = f"127.0.0.1:{self.ports[p]}"
                keyname = "admin_api_key" if p == "browser-relay" else "api_key"
                if f"{p}.{keyname}" not in cfg:
                    cfg[f"{p}.{keyname}"] = secrets.token_hex(16)
                self.keys[p] = cfg[f"{p}.{keyname}"]
        for k, v in cfg.items():
            lines.append(f"{k} = {v}")
        self.config_path.write_text("\n".join(lines) + "\n")

    def url(self, plugin=None):
        if plugin is None:
            return f"http://127.0.0.1:{self.combined_port}"
        return f"http://127.0.0.1:{self.ports[plugin]}"

    def key(self, plugin):
        return self.keys[plugin]

    def start(self, wait=True, timeout=20):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONLIGHT_")}
        env.update(self.env)
        self._log_file = open(self._log_path, "ab")
        self.proc = subprocess.Popen([str(self.binary or host_binary()), "--config", str(self.config_path)],
                                     stdout=self._log_file, stderr=self._log_file, env=env)
        if wait:
            self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=20):
        urls = [self.url(p) for p in self.ports] + ([self.url()] if self.combined_port else [])
        deadline = time.time() + timeout
        pending = list(urls)
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"host exited with {self.proc.returncode}:\n{self.log()}")
            if time.time() > deadline:
                raise RuntimeError(f"host not healthy after {timeout}s:\n{self.log()}")
            try:
                if http("GET", pending[0] + "/health", timeout=2).status == 200:
                    pending.pop(0)
                    continue
            except OSError:
                pass
            time.sleep(0.05)

    def request(self, plugin, method, path, body=None, headers=None, key=True, timeout=10):
        hdrs = dict(headers or {})
        if key:
            hdrs.setdefault("X-API-Key", self.keys[plugin])
        return http(method, self.url(plugin) + path, body, hdrs, timeout)

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        finally:
            self._close_log()
        self.proc = None
        return code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._close_log()
        self.proc = None

    def _close_log(self):
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def log(self):
        try:
            return self._log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def run_host(args, env=None, timeout=20):
    """Runs monlight-host with args to completion (check-config, version, ...)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("MONLIGHT_")}
    e.update(env or {})
    return subprocess.run([str(host_binary())] + list(args), capture_output=True, text=True, env=e,
                          timeout=timeout)
