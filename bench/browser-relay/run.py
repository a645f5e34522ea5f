#!/usr/bin/env python3
"""P11 browser-relay benchmark (PERFORMANCE.md): forwarded errors/s with a 200 KB source map applied, against the
error tracker's own ingest rate (P2's figure) measured in the same run, same host process, same wrk settings.

Usage: MONLIGHT_BUILD_DIR=build python3 bench/browser-relay/run.py [--duration 10] [--runs 3]
Prints `name value unit ratio=... target=...` lines and writes bench/results/browser-relay.json.
The host runs error-tracker, metrics-collector and browser-relay (in-process forwarding), pinned to core 1;
wrk is pinned to core 0. Every relay 2xx is sent after the tracker committed the rewritten error."""
import argparse
import json
import os
import random
import re
import secrets
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
DSN_KEY = "benchdsnkey00001"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
sys.path.insert(0, str(ROOT / "bench" / "error-tracker"))
from run import free_port, wait_port  # noqa: E402  (shared helpers of the P2 benchmark)


def vlq(v):
    acc = (-v << 1) | 1 if v < 0 else v << 1
    out = ""
    while True:
        d = acc & 31
        acc >>= 5
        if acc:
            d |= 32
        out += B64[d]
        if not acc:
            return out


def synthetic_map(target_bytes=200 * 1024):
    """A map of a minified bundle: 60 generated lines with segments every ~6 columns into 20 sources."""
    rnd = random.Random(7)
    sources = [f"src/module{i}.ts" for i in range(20)]
    names = [f"function{i}" for i in range(200)]
    contents = ["\n".join(f"export const v{j} = {j}; // m{i}" for j in range(120)) for i in range(20)]
    prev = [0, 0, 0, 0]
    lines = []
    size = 0
    while size < target_bytes - 80 * 1024:
        segs, col = [], 0
        for _ in range(400):
            step = rnd.randint(2, 10)
            src, oline, ocol, name = rnd.randrange(20), rnd.randrange(120), rnd.randrange(40), rnd.randrange(200)
            seg = vlq(step) + vlq(src - prev[0]) + vlq(oline - prev[1]) + vlq(ocol - prev[2]) + vlq(name - prev[3])
            prev = [src, oline, ocol, name]
            segs.append(seg)
            col += step
        lines.append(",".join(segs))
        size += len(lines[-1])
    m = {"version": 3, "file": "app.min.js", "sources": sources, "names": names, "mappings": ";".join(lines),
         "sourcesContent": contents}
    text = json.dumps(m, separators=(",", ":"))
    return text


def wrk(port, script, env, duration):
    cmd = ["taskset", "-c", "0", "wrk", "-t2", f"-c{CONNS}", f"-d{duration}s", "--latency", "-s", str(script),
           f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **env), check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return {"rps": rps, "requests": reqs, "non2xx": int(non2xx.group(1)) if non2xx else 0, "p99_ms": p99}


def post(url, body, headers):
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def run_once(build, tmp, duration, map_text):
    et_port, br_port, mc_port = free_port(), free_port(), free_port()
    et_key, mc_key, admin = secrets.token_hex(16), secrets.token_hex(16), secrets.token_hex(16)
    data = tmp / f"data-{secrets.token_hex(4)}"
    cfg = tmp / f"monlight-{secrets.token_hex(4)}.properties"
    cfg.write_text("\n".join([
        "host.plugins = error-tracker, metrics-collector, browser-relay",
        f"host.plugin_path = {build / 'lib' / 'monlight' / 'plugins'}",
        f"host.data_dir = {data}",
        "host.log_level = warning",
        f"error-tracker.listen = 127.0.0.1:{et_port}", f"error-tracker.api_key = {et_key}",
        "error-tracker.rate_limit = 0",
        f"metrics-collector.listen = 127.0.0.1:{mc_port}", f"metrics-collector.api_key = {mc_key}",
        f"browser-relay.listen = 127.0.0.1:{br_port}", f"browser-relay.admin_api_key = {admin}",
        "browser-relay.rate_limit = 0", f"browser-relay.dsn_keys = shop:{DSN_KEY}",
    ]) + "\n")
    proc = subprocess.Popen(["taskset", "-c", "1", str(build / "bin" / "monlight-host"), "--config", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for p in (et_port, br_port, mc_port):
            wait_port(p)
        body = json.dumps({"project": "shop", "release": "1.0.0", "file_url": "/static/app.min.js",
                           "map_content": map_text})
        status, _ = post(f"http://127.0.0.1:{br_port}/api/source-maps", body,
                         {"X-API-Key": admin, "Content-Type": "application/json"})
        assert status == 201, status
        # check that the stack really is rewritten before measuring
        probe = json.dumps({"type": "Probe", "message": "m", "release": "1.0.0",
                            "stack": "Probe: m\n    at a (https://shop.example.com/static/app.min.js:3:40)"})
        status, reply = post(f"http://127.0.0.1:{br_port}/api/browser/errors", probe, {"X-Monlight-Key": DSN_KEY})
        gid = json.loads(reply)["id"]
        with urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{et_port}/api/errors/{gid}", headers={"X-API-Key": et_key})) as r:
            tb = json.loads(r.read())["traceback"]
        assert "src/module" in tb, tb
        relay = wrk(br_port, HERE / "relay.lua", {"BR_KEY": DSN_KEY}, duration)
        direct = wrk(et_port, ROOT / "bench" / "error-tracker" / "ingest.lua", {"ET_KEY": et_key}, duration)
        con = sqlite3.connect(str(data / "errors.db"))
        stored = con.execute("SELECT coalesce(sum(count),0) FROM errors").fetchone()[0]
        con.close()
        expected = relay["requests"] - relay["non2xx"] + direct["requests"] - direct["non2xx"]
        if stored < expected:
            raise RuntimeError(f"{expected} acknowledged reports but only {stored} stored")
        return {"relay": relay, "error_tracker": direct}
    finally:
        proc.terminate()
        proc.wait(15)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    build = Path(os.environ.get("MONLIGHT_BUILD_DIR", ROOT / "build")).resolve()
    map_text = synthetic_map()
    runs = []
    with tempfile.TemporaryDirectory() as t:
        for _ in range(args.runs):
            runs.append(run_once(build, Path(t), args.duration, map_text))
    relay = statistics.median(r["relay"]["rps"] for r in runs)
    direct = statistics.median(r["error_tracker"]["rps"] for r in runs)
    relay_p99 = statistics.median(r["relay"]["p99_ms"] for r in runs)
    lines = [
        ("P11_relay_error_forward_rps", relay, "req/s", relay / direct, ">=0.5"),
        ("P11_error_tracker_ingest_rps", direct, "req/s", 1.0, "-"),
        ("P11_relay_p99_peak", relay_p99, "ms", 1.0, "-"),
        ("P11_source_map_bytes", len(map_text), "bytes", 1.0, "~200KB"),
    ]
    for name, value, unit, ratio, target in lines:
        print(f"{name} {value:.2f} {unit} ratio={ratio:.2f} target={target}")
    for r in runs:
        if r["relay"]["non2xx"]:
            print(f"warning: {r['relay']['non2xx']} non-2xx relay answers", file=sys.stderr)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "browser-relay.json").write_text(json.dumps(
        {"figures": [{"name": n, "value": v, "unit": u, "ratio": r, "target": t} for n, v, u, r, t in lines],
         "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
