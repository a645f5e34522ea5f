#!/usr/bin/env python3
"""Metrics-collector benchmarks P1 and P10 (PERFORMANCE.md), each against a baseline from the same invocation.

Usage: MONLIGHT_BUILD_DIR=build python3 bench/metrics-collector/run.py [p1] [p10] [--duration 10] [--runs 3]
Prints `name value unit ratio=... target=...` lines and writes bench/results/metrics-collector.json.

P1   ingest points/s: wrk POSTs batches of 1000 points over keep-alive (server pinned to core 1, wrk to core 0,
     plus one unpinned run). Every 202 is sent after its commit, so the clock stops when wrk ends and the points
     are counted in metrics_raw. Baseline: sqlite3 prepared insert of the same rows into the same raw table
     (same schema and pragmas, 1000-row transactions), pinned to core 1.
P10  hourly p50/p95/p99 from merged minute sketches: one closed hour of skewed and bimodal values is ingested,
     the host aggregates minutes then the hour, and the hour bucket's percentiles are compared with the exact
     percentiles of the same values (nearest rank, as SPEC §4.5)."""
import argparse
import json
import math
import os
import random
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
import http.client
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = Path(os.environ.get("MONLIGHT_BUILD_DIR", ROOT / "build")).resolve()
MIGRATION = (ROOT / "plugins" / "metrics-collector" / "sql" / "001_initial.sql").read_text()
BATCH = 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """monlight-host with only the metrics collector on a temp dir, optionally pinned to core 1."""

    def __init__(self, tmp, extra=None, pin=True):
        self.tmp = Path(tmp)
        self.port = free_port()
        self.key = secrets.token_hex(16)
        cfg = {
            "host.plugins": "metrics-collector",
            "host.plugin_path": str(BUILD / "lib" / "monlight" / "plugins"),
            "host.data_dir": str(self.tmp / "data"),
            "host.log_level": "warning",
            "metrics-collector.listen": f"127.0.0.1:{self.port}",
            "metrics-collector.api_key": self.key,
            "metrics-collector.rate_limit": "0",
        }
        cfg.update(extra or {})
        (self.tmp / "monlight.properties").write_text("".join(f"{k} = {v}\n" for k, v in cfg.items()))
        cmd = [str(BUILD / "bin" / "monlight-host"), "--config", str(self.tmp / "monlight.properties")]
        if pin:
            cmd = ["taskset", "-c", "1"] + cmd
        self.log = open(self.tmp / "host.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("host did not start: " + (self.tmp / "host.log").read_text())

    def request(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers={"X-API-Key": self.key})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def db(self):
        return sqlite3.connect(f"file:{self.tmp / 'data' / 'metrics.db'}?mode=ro", uri=True, timeout=30)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


def batch_points(seed):
    """1000 points over 3 names, 4 types of labels, current timestamps (filled by the server)."""
    rng = random.Random(seed)
    pts = []
    for i in range(BATCH):
        kind = i % 3
        if kind == 0:
            pts.append({"name": "http_request_duration_seconds", "type": "histogram",
                        "value": round(rng.lognormvariate(-2, 1), 6),
                        "labels": {"endpoint": f"/api/items/{i % 20}", "method": "GET", "status": 200}})
        elif kind == 1:
            pts.append({"name": "http_requests_total", "type": "counter", "value": 1,
                        "labels": {"endpoint": f"/api/items/{i % 20}", "method": "POST"}})
        else:
            pts.append({"name": "queue_depth", "type": "gauge", "value": rng.randint(0, 500),
                        "labels": {"queue": f"q{i % 5}"}})
    return pts


# ------------------------------------------------------------------------------------------------------------ P1

def baseline_insert(total_rows, pin=True):
    """Bare sqlite3 prepared insert into the same raw table (same pragmas), 1000-row transactions."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "base.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-16384")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(MIGRATION)
        # The same series layout as the HTTP batch (one raw and one rollup series per label set), increasing
        # timestamps as the server assigns them.
        keys = sorted({(p["name"], json.dumps(p["labels"], sort_keys=True)) for p in batch_points(1)})
        ids = {}
        for n, (name, labels) in enumerate(keys):
            db.execute("INSERT INTO series(id, name, type, project, labels, is_rollup, last_seen) "
                       "VALUES (?, ?, 'gauge', '', ?, 0, 0)", (2 * n + 1, name, labels))
            db.execute("INSERT INTO series(id, name, type, project, labels, is_rollup, last_seen) "
                       "VALUES (?, ?, 'gauge', '', ?, 1, 0)", (2 * n + 2, name, labels))
            ids[(name, labels)] = 2 * n + 1
        layout = [ids[(p["name"], json.dumps(p["labels"], sort_keys=True))] for p in batch_points(1)]
        now = int(time.time() * 1000)
        batches = [[(now + b, sid, sid + 1, float(i % 97)) for i, sid in enumerate(layout)]
                   for b in range(total_rows // BATCH)]
        if pin:
            os.sched_setaffinity(0, {1})
        t0 = time.perf_counter()
        for rows in batches:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO metrics_raw(ts, series_id, rollup_id, value) VALUES (?,?,?,?)", rows)
            db.execute("COMMIT")
        dt = time.perf_counter() - t0
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        db.close()
        return (total_rows // BATCH) * BATCH / dt


def measure_ingest(duration, pin=True, conns=8):
    with tempfile.TemporaryDirectory() as tmp:
        # No aggregation pass during the run: this figure is ingest only.
        s = Server(tmp, {"metrics-collector.aggregation_interval": "3599"}, pin=pin)
        try:
            body = Path(tmp) / "body.json"
            body.write_text(json.dumps(batch_points(1)))
            s.request("POST", "/api/metrics", body.read_bytes())  # warm the series cache
            env = dict(os.environ, MC_KEY=s.key, MC_BODY=str(body))
            cmd = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "-s", str(HERE / "ingest.lua"),
                   f"http://127.0.0.1:{s.port}"]
            if pin:
                cmd = ["taskset", "-c", "0"] + cmd
            c = s.db()
            before = c.execute("SELECT COUNT(*) FROM metrics_raw").fetchone()[0]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
            dt = time.perf_counter() - t0
            rows = c.execute("SELECT COUNT(*) FROM metrics_raw").fetchone()[0] - before
            c.close()
            non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
            if non2xx:
                raise RuntimeError("non-2xx answers during P1:\n" + out)
            return rows / dt
        finally:
            s.stop()


def p1(args, figures):
    runs = [measure_ingest(args.duration) for _ in range(args.runs)]
    value = statistics.median(runs)
    base = statistics.median([baseline_insert(int(max(value, 100000) * 3)) for _ in range(args.runs)])
    figures.append(("P1_metric_ingest_points_per_s", value, "points/s", value / base, ">=0.30"))
    figures.append(("P1_baseline_sqlite_insert_rows_per_s", base, "rows/s", 1.0, "-"))
    unpinned = measure_ingest(args.duration, pin=False)
    figures.append(("P1_metric_ingest_points_per_s_unpinned", unpinned, "points/s", unpinned / base, ">=0.30"))


# ----------------------------------------------------------------------------------------------------------- P10

def exact(values, q):
    s = sorted(values)
    return s[math.floor(q * (len(s) - 1))]


def p10(args, figures):
    rng = random.Random(10)
    with tempfile.TemporaryDirectory() as tmp:
        s = Server(tmp, {"metrics-collector.aggregation_interval": "1",
                         "metrics-collector.retention_raw_hours": "3"}, pin=False)
        try:
            hour = (int(time.time() * 1000) // 3600000) * 3600000 - 3600000  # the last closed hour
            datasets = {
                "skewed": lambda: rng.lognormvariate(-2.0, 1.2),
                "bimodal": lambda: max(0.5, rng.gauss(20, 3) if rng.random() < 0.7 else rng.gauss(900, 150)),
            }
            values = {name: [] for name in datasets}
            for minute in range(60):
                pts = []
                for name, gen in datasets.items():
                    for i in range(200):
                        v = round(gen(), 6)
                        values[name].append(v)
                        pts.append({"name": f"p10_{name}", "type": "histogram", "value": v,
                                    "timestamp": hour + minute * 60000 + i * 250})
                status, body = s.request("POST", "/api/metrics", json.dumps(pts).encode())
                assert status == 202, body
            deadline = time.time() + 60
            while True:
                c = s.db()
                done = c.execute("SELECT COUNT(*) FROM dirty_buckets").fetchone()[0] == 0 and c.execute(
                    "SELECT COUNT(*) FROM metrics_rollup WHERE resolution = 3600 AND bucket = ?",
                    (hour,)).fetchone()[0] == len(datasets)
                c.close()
                if done:
                    break
                if time.time() > deadline:
                    raise RuntimeError("hour not aggregated")
                time.sleep(0.5)
            time.sleep(1.5)
            for name in datasets:
                status, body = s.request("GET", f"/api/metrics?name=p10_{name}&period=3h&resolution=hour")
                bucket = next(b for b in json.loads(body)["data"]
                              if b["bucket"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(hour / 1000)))
                assert bucket["count"] == len(values[name])
                worst = 0.0
                for key, q in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)]:
                    x = exact(values[name], q)
                    err = abs(bucket[key] - x) / abs(x)
                    worst = max(worst, err)
                    figures.append((f"P10_hourly_{key}_{name}_rel_error", err * 100, "%", err / 0.01, "<=1%"))
                figures.append((f"P10_hourly_max_rel_error_{name}", worst * 100, "%", worst / 0.01, "<=1%"))
        finally:
            s.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="*", default=["p1", "p10"])
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    figures = []
    if "p1" in args.which:
        p1(args, figures)
    if "p10" in args.which:
        p10(args, figures)
    for name, value, unit, ratio, target in figures:
        print(f"{name} {value:.6g} {unit} ratio={ratio:.3f} target={target}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics-collector.json").write_text(json.dumps(
        {"figures": [{"name": n, "value": v, "unit": u, "ratio": r, "target": t} for n, v, u, r, t in figures]},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
