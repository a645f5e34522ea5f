"""Shared helpers for Monlight benchmarks (PERFORMANCE.md). Standard library only.

Import from a plugin benchmark:

    import sys; from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
    import monlight_bench as mb

    with mb.EchoServer() as echo:                       # bench-echo-server pinned to SERVER_CORE
        base = mb.run_wrk(echo.url, mb.LIB / "error-post.lua", duration=10)
    with mb.BenchHost(["error-tracker"], {"error-tracker.rate_limit": "0"}) as h:   # monlight-host, pinned
        meas = mb.run_wrk(h.url("error-tracker"), mb.LIB / "error-post.lua", env={"BENCH_KEY": h.key("error-tracker")})
    rep = mb.Report("error-tracker")
    rep.figure("P2_error_ingest_rps", meas["rps"], "req/s", meas["rps"] / base["rps"], ">=0.70")
    rep.write()                                        # bench/results/error-tracker.json

Binaries come from MONLIGHT_BUILD_DIR (default: <repo>/build-release, the tree bench/run.sh builds).
Figure lines have the shape every benchmark prints: `name value unit ratio=... target=...`.
"""
import functools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

LIB = Path(__file__).resolve().parent
BENCH = LIB.parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"

# Server on one core, load generator on the other (PERFORMANCE.md, "Fairness on 2 cores").
SERVER_CORE = 1
CLIENT_CORE = 0

os.environ.setdefault("MONLIGHT_BUILD_DIR", str(ROOT / "build-release"))
sys.path.insert(0, str(ROOT / "tests"))
import monlight_test  # noqa: E402  (the pytest harness's Host class, reused for temp configs)


def build_dir():
    """The build tree benchmarks run from (MONLIGHT_BUILD_DIR, default build-release)."""
    return Path(os.environ["MONLIGHT_BUILD_DIR"]).resolve()


def bin_path(name):
    """Path of an executable of the build tree, e.g. bin_path("bench-echo-server")."""
    p = build_dir() / "bin" / name
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: build it first (bash bench/run.sh builds build-release)")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.lru_cache(maxsize=None)
def can_pin():
    """True when there are at least two CPUs to pin server and client apart and taskset exists."""
    return len(os.sched_getaffinity(0)) >= 2 and shutil.which("taskset") is not None


def pinned(cmd, core):
    """cmd prefixed with `taskset -c core` (unchanged when core is None or pinning is impossible)."""
    if core is None or not can_pin():
        return list(map(str, cmd))
    return ["taskset", "-c", str(core)] + list(map(str, cmd))


def wait_http(url, timeout=20, proc=None):
    """Waits until url answers any HTTP status; raises RuntimeError on timeout or if proc exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


# ----------------------------------------------------------------------------------------------------------- wrk

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value, unit):
    return float(value) * _UNITS_MS[unit]


def parse_wrk(text):
    """Parses wrk's report (with --latency). Returns a dict: rps, requests, seconds, non2xx, errors (socket
    errors by kind), avg_ms, max_ms, p50_ms, p75_ms, p90_ms, p99_ms (None when absent)."""
    out = {"rps": None, "requests": None, "seconds": None, "non2xx": 0, "errors": {}, "avg_ms": None,
           "max_ms": None, "p50_ms": None, "p75_ms": None, "p90_ms": None, "p99_ms": None}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if m:
        out["requests"] = int(m.group(1))
        out["seconds"] = _ms(m.group(2), m.group(3)) / 1000.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"Latency\s+([\d.]+)(us|ms|s|m)\s+[\d.]+\w+\s+([\d.]+)(us|ms|s|m)", text)
    if m:
        out["avg_ms"] = _ms(m.group(1), m.group(2))
        out["max_ms"] = _ms(m.group(3), m.group(4))
    for pct in (50, 75, 90, 99):
        m = re.search(rf"^\s*{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            out[f"p{pct}_ms"] = _ms(m.group(1), m.group(2))
    return out


def run_wrk(url, script=None, connections=32, duration=10, threads=2, core=CLIENT_CORE, env=None, args=()):
    """Runs wrk against url (pinned to `core`, None = unpinned) and returns parse_wrk()'s dict plus "output".
    script: a Lua file (e.g. LIB / "error-post.lua"); env: extra environment for the script.
    Raises RuntimeError when wrk fails or completes no request."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    cmd += list(args) + [url]
    p = subprocess.run(pinned(cmd, core), capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    res = parse_wrk(p.stdout)
    if p.returncode != 0 or not res["requests"]:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stdout}\n{p.stderr}")
    res["output"] = p.stdout
    return res


# ------------------------------------------------------------------------------------------------------ processes

def proc_status(pid):
    """The kB fields of /proc/<pid>/status (VmRSS, RssAnon, RssFile, VmHWM, ...) plus Threads, as ints."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            v = v.split()
            if k in ("Threads",) or (len(v) == 2 and v[1] == "kB"):
                out[k] = int(v[0])
    return out


class EchoServer:
    """bench-echo-server (the trivial Poco server baseline) on a free port, pinned to `core` (None = unpinned).
    Usable as a context manager; .url, .pid, .stop()."""

    def __init__(self, core=SERVER_CORE, threads=32, queue=128):
        self.port = free_port()
        cmd = [bin_path("bench-echo-server"), "--port", self.port, "--threads", threads, "--queue", queue]
        self.proc = subprocess.Popen(pinned(cmd, core), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        try:
            wait_http(self.url + "/", proc=self.proc)
        except Exception:
            self.stop()
            raise

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class BenchHost(monlight_test.Host):
    """monlight-host with a temp config, data dir, free ports and generated keys (tests/monlight_test.py's Host),
    started pinned to `core` (None = unpinned) with log level `log_level` (default warning: benchmarks must not
    measure debug logging). The temp directory is removed on stop() unless `tmp` was given.
    require_healthy=False only waits until every listener's /health answers (any status), e.g. to measure a host
    whose plugin reports itself unhealthy.
    Usable as a context manager: `with BenchHost(["error-tracker"], {...}) as h: h.url("error-tracker")`."""

    def __init__(self, plugins, config=None, core=SERVER_CORE, log_level="warning", tmp=None, env=None,
                 combined=False, require_healthy=True):
        self.require_healthy = require_healthy
        self._tmpdir = None
        if tmp is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="monlight-bench-")
            tmp = self._tmpdir.name
        super().__init__(Path(tmp), plugins, config, env, combined)
        text = self.config_path.read_text()
        self.config_path.write_text(re.sub(r"^host\.log_level = .*$", f"host.log_level = {log_level}", text,
                                           flags=re.M))
        self.core = core

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, wait=True, timeout=30):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONLIGHT_")}
        env.update(self.env)
        self._log_file = open(self._log_path, "ab")
        cmd = pinned([monlight_test.host_binary(), "--config", self.config_path], self.core)
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=self._log_file, env=env)
        if wait:
            try:
                self.wait_healthy(timeout)
            except BaseException:
                self.kill()  # a host that did not come up is not left running
                raise
        return self

    def wait_healthy(self, timeout=30):
        if self.require_healthy:
            return super().wait_healthy(timeout)
        urls = [self.url(p) for p in self.ports] + ([self.url()] if self.combined_port else [])
        deadline = time.time() + timeout
        for u in urls:
            wait_http(u + "/health", max(0.1, deadline - time.time()), self.proc)

    def health(self, plugin):
        """(status, body) of GET /health on the plugin's listener."""
        r = monlight_test.http("GET", self.url(plugin) + "/health")
        return r.status, r.body.decode(errors="replace")

    def stop(self, timeout=15):
        try:
            return super().stop(timeout)
        finally:
            self.cleanup()

    def kill(self):
        try:
            super().kill()
        finally:
            self.cleanup()

    def cleanup(self):
        if self._tmpdir is not None and self.proc is None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self):
        if self.proc is None:
            try:
                self.start()
            except BaseException:
                self.kill()  # __exit__ does not run when __enter__ raises: never leave a host behind
                raise
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        else:
            self.kill()


# -------------------------------------------------------------------------------------------------------- figures

def median(values):
    return statistics.median(list(values))


FIGURE_RE = re.compile(r"^(?P<name>[A-Za-z][\w.-]*) (?P<value>[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|inf|nan))"
                       r" (?P<unit>\S+)(?P<rest>(?: .*)?)$")


def parse_figure(line):
    """Parses a `name value unit key=value ...` line into a dict (ratio and baseline as floats when numeric), or
    None when the line is not a figure. A word without `=` continues the previous value (`target=<=10ms and ...`)."""
    m = FIGURE_RE.match(line.strip())
    if not m or "=" not in m.group("rest") and m.group("rest").strip():
        return None
    fig = {"name": m.group("name"), "value": float(m.group("value")), "unit": m.group("unit")}
    key = None
    for word in m.group("rest").split():
        k, eq, v = word.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", k):
            key = k
            fig[key] = v
        elif key is not None:
            fig[key] += " " + word
        else:
            return None
    for k in ("ratio", "baseline"):
        if k in fig:
            try:
                fig[k] = float(fig[k])
            except ValueError:
                pass
    return fig


class Report:
    """Collects figures of one benchmark section, prints each as `name value unit ratio=... target=...` and
    writes them (with any details) to bench/results/<section>.json."""

    def __init__(self, section):
        self.section = section
        self.figures = []
        self.details = {}

    def figure(self, name, value, unit, ratio=None, target="-", ok=None, **extra):
        """ratio: measured/baseline (None prints ratio=-); target: e.g. ">=0.70", "<=2", "<=4MiB";
        ok: whether the target is met (None = not judged); extra: more key=value fields (JSON only)."""
        r = "-" if ratio is None else f"{ratio:.3f}"
        line = f"{name} {value:.2f} {unit} ratio={r} target={target}"
        if ok is not None:
            line += f" ok={'yes' if ok else 'NO'}"
        print(line, flush=True)
        fig = {"name": name, "value": value, "unit": unit, "ratio": ratio, "target": target}
        if ok is not None:
            fig["ok"] = ok
        fig.update(extra)
        self.figures.append(fig)
        return fig

    def write(self, path=None):
        path = Path(path) if path else RESULTS / f"{self.section}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"section": self.section, "figures": self.figures, "details": self.details},
                                   indent=2) + "\n")
        return path
