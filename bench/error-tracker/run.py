#!/usr/bin/env python3
"""P2/P3 error-ingest benchmark (PERFORMANCE.md): error-tracker vs a same-run Poco echo-and-parse baseline.

Usage: MONLIGHT_BUILD_DIR=build python3 bench/error-tracker/run.py [--duration 10] [--runs 3]
Prints `name value unit ratio=... target=...` lines and writes bench/results/error-tracker.json.
Server pinned to core 1, wrk to core 0 (plus one unpinned run of each). Every 2xx of the error tracker is sent
only after its rows are committed, so completed requests are committed rows (checked against the database)."""
import argparse
import json
import os
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CONNS = 32


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, path="/health", timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not answer")


def wrk(port, key, duration, pinned, delay_ms=0):
    env = dict(os.environ, ET_KEY=key, ET_DELAY_MS=str(delay_ms))
    cmd = ["wrk", "-t2", f"-c{CONNS}", f"-d{duration}s", "--latency", "-s", str(HERE / "ingest.lua"),
           f"http://127.0.0.1:{port}"]
    if pinned:
        cmd = ["taskset", "-c", "0"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, p99, reqs, int(non2xx.group(1)) if non2xx else 0


class Server:
    def __init__(self, cmd, port, pinned, health="/health"):
        if pinned:
            cmd = ["taskset", "-c", "1"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port, health)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(15)


def build_baseline(out):
    exe = out / "echo_baseline"
    subprocess.run(["g++", "-O2", "-std=c++17", str(HERE / "echo_baseline.cpp"), "-o", str(exe), "-lPocoNet",
                    "-lPocoJSON", "-lPocoFoundation", "-lpthread"], check=True)
    return exe


def host_cmd(build, tmp, port, key):
    cfg = tmp / "monlight.properties"
    data = tmp / f"data-{secrets.token_hex(4)}"
    cfg.write_text("\n".join([
        "host.plugins = error-tracker",
        f"host.plugin_path = {build / 'lib' / 'monlight' / 'plugins'}",
        f"host.data_dir = {data}",
        "host.log_level = warning",
        f"error-tracker.listen = 127.0.0.1:{port}",
        f"error-tracker.api_key = {key}",
        "error-tracker.rate_limit = 0",
    ]) + "\n")
    return [str(build / "bin" / "monlight-host"), "--config", str(cfg)], data / "errors.db"


def measure(kind, exe, build, tmp, duration, pinned):
    port = free_port()
    key = secrets.token_hex(16)
    if kind == "baseline":
        srv = Server([str(exe), str(port)], port, pinned, health="/")
        db = None
    else:
        cmd, db = host_cmd(build, tmp, port, key)
        srv = Server(cmd, port, pinned)
    try:
        rps, p99, reqs, bad = wrk(port, key, duration, pinned)
        rows = None
        if db is not None:
            con = sqlite3.connect(str(db))
            rows = con.execute("SELECT coalesce(sum(count),0) FROM errors").fetchone()[0]
            con.close()
            if rows < reqs - bad:
                raise RuntimeError(f"{reqs - bad} acknowledged reports but only {rows} stored")
        # P3: the same server at half of this run's peak rate.
        delay = max(1, int(CONNS * 1000 / (rps / 2)))
        _, p99_half, _, _ = wrk(port, key, duration, pinned, delay)
        return {"rps": rps, "p99_peak_ms": p99, "p99_half_ms": p99_half, "requests": reqs, "non2xx": bad,
                "stored": rows}
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    build = Path(os.environ.get("MONLIGHT_BUILD_DIR", ROOT / "build")).resolve()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        exe = build_baseline(tmp)
        results = {"pinned": {"baseline": [], "error-tracker": []}, "unpinned": {}}
        for _ in range(args.runs):
            for kind in ("baseline", "error-tracker"):
                results["pinned"][kind].append(measure(kind, exe, build, tmp, args.duration, True))
        for kind in ("baseline", "error-tracker"):
            results["unpinned"][kind] = measure(kind, exe, build, tmp, args.duration, False)

    def med(kind, field):
        return statistics.median(r[field] for r in results["pinned"][kind])

    b_rps, e_rps = med("baseline", "rps"), med("error-tracker", "rps")
    b_p99, e_p99 = med("baseline", "p99_half_ms"), med("error-tracker", "p99_half_ms")
    ub, ue = results["unpinned"]["baseline"]["rps"], results["unpinned"]["error-tracker"]["rps"]
    lines = [
        ("P2_error_ingest_rps", e_rps, "req/s", e_rps / b_rps, ">=0.70"),
        ("P2_baseline_rps", b_rps, "req/s", 1.0, "-"),
        ("P2_error_ingest_rps_unpinned", ue, "req/s", ue / ub, ">=0.70"),
        ("P3_error_ingest_p99_half_peak", e_p99, "ms", e_p99 / b_p99 if b_p99 else 0.0, "<=5ms"),
        ("P3_baseline_p99_half_peak", b_p99, "ms", 1.0, "-"),
    ]
    for name, value, unit, ratio, target in lines:
        print(f"{name} {value:.2f} {unit} ratio={ratio:.2f} target={target}")
    for r in results["pinned"]["error-tracker"]:
        if r["non2xx"]:
            print(f"warning: {r['non2xx']} non-2xx answers in an error-tracker run", file=sys.stderr)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "error-tracker.json").write_text(json.dumps(
        {"figures": [{"name": n, "value": v, "unit": u, "ratio": r, "target": t} for n, v, u, r, t in lines],
         "runs": results}, indent=2))


if __name__ == "__main__":
    main()
