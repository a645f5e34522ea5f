#!/usr/bin/env python3
"""P15 (PERFORMANCE.md): ingest with host.storage = postgresql, 1 and 2 hosts on one PostgreSQL 15, as ratios to
the SQLite figure of the same run.

Usage: python3 bench/postgresql/run.py [--runs 3] [--duration 10] [--quick]   (normally through `bash bench/run.sh`)

P1 (metrics ingest, batches of 1000 points over 8 keep-alive connections, the body of bench/metrics-collector),
P2 (error ingest, the P2 body and c=32 of bench/error-tracker) and P4 (log ingest: 100 000 Docker json-file lines
appended to one container's file per host, until every line is committed) are each measured three ways, interleaved
per run:
SQLite (the host pinned to one core, wrk to the other), PostgreSQL with 1 host (the same pinning; the PostgreSQL
server is not pinned and takes its CPU from both cores), and PostgreSQL with 2 hosts (one wrk of 16 connections per
host at the same time (P1: 4 per host), the sum of both; hosts and server unpinned, as a 2-host deployment would
not share cores). P1 counts the raw rows committed during the run (in metrics.db or metrics_collector.metrics_raw).
The server is a throwaway cluster (tests/pg_cluster.py) with fsync on: a durable server, as in production.
Every acknowledged report is checked against the database after each run (sum of counts)."""
import argparse
import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "lib"))
sys.path.insert(0, str(ROOT / "tests"))
import monlight_bench as mb  # noqa: E402
import pg_cluster  # noqa: E402

SCRIPT = mb.LIB / "error-post.lua"
METRICS_LUA = ROOT / "bench" / "metrics-collector" / "ingest.lua"
_spec = importlib.util.spec_from_file_location("mc_bench", ROOT / "bench" / "metrics-collector" / "run.py")
mc_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mc_bench)
METRIC_CONNECTIONS = 8
_spec = importlib.util.spec_from_file_location("lv_bench", ROOT / "bench" / "log-viewer" / "run.py")
lv_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lv_bench)
LOG_LINES = 100000
CONNECTIONS = 32
KEY = "bench-pg-key-0123456789abcdef0123"


def pg_config(dsn):
    return {"host.storage": "postgresql", "host.postgresql_dsn": dsn, "host.postgresql_pool_size": "8"}


def tracker_config(extra=None):
    cfg = {"error-tracker.rate_limit": "0", "error-tracker.api_key": KEY}
    cfg.update(extra or {})
    return cfg


def check(acked, stored, what):
    if stored < acked:
        raise RuntimeError(f"{what}: {acked} acknowledged, {stored} stored")


def p2_sqlite(duration):
    with mb.BenchHost(["error-tracker"], tracker_config(), core=mb.SERVER_CORE) as h:
        r = mb.run_wrk(h.url("error-tracker") + "/api/errors", SCRIPT, CONNECTIONS, duration, core=mb.CLIENT_CORE,
                       env={"BENCH_KEY": KEY})
        con = sqlite3.connect(str(h.data_dir / "errors.db"))
        stored = con.execute("SELECT coalesce(sum(count), 0) FROM errors").fetchone()[0]
        con.close()
    check(r["requests"] - r["non2xx"], stored, "sqlite")
    if r["non2xx"]:
        raise RuntimeError(f"sqlite: {r['non2xx']} non-2xx answers")
    return r["rps"]


def pg_stored(pg, dbname):
    out = pg.psql("SELECT coalesce(sum(count), 0) FROM error_tracker.errors", dbname)
    return int(out or 0)


def p2_postgresql(pg, dbname, duration, hosts):
    dsn = pg.dsn(dbname)
    cores = [mb.SERVER_CORE] if hosts == 1 else [None] * hosts
    started = []
    try:
        for core in cores:
            started.append(mb.BenchHost(["error-tracker"], dict(pg_config(dsn), **tracker_config()), core=core)
                           .__enter__())
        before = pg_stored(pg, dbname)
        results = [None] * hosts

        def load(i, h):
            results[i] = mb.run_wrk(h.url("error-tracker") + "/api/errors", SCRIPT, CONNECTIONS // hosts, duration,
                                    core=mb.CLIENT_CORE if hosts == 1 else None, env={"BENCH_KEY": KEY})
        threads = [threading.Thread(target=load, args=(i, h)) for i, h in enumerate(started)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        acked = sum(r["requests"] - r["non2xx"] for r in results)
        non2xx = sum(r["non2xx"] for r in results)
        check(acked, pg_stored(pg, dbname) - before, f"postgresql, {hosts} host(s)")
        if non2xx:
            raise RuntimeError(f"postgresql, {hosts} host(s): {non2xx} non-2xx answers")
        return sum(r["rps"] for r in results)
    finally:
        for h in started:
            h.__exit__(None, None, None)


def metrics_config(extra=None):
    cfg = {"metrics-collector.rate_limit": "0", "metrics-collector.api_key": KEY,
           "metrics-collector.aggregation_interval": "3599"}  # ingest only: no aggregation pass during the run
    cfg.update(extra or {})
    return cfg


def p1(hosts_cfg, count_rows, cores, body):
    """Points/s committed by len(cores) hosts with config hosts_cfg, METRIC_CONNECTIONS connections in total."""
    started = []
    try:
        for core in cores:
            started.append(mb.BenchHost(["metrics-collector"], hosts_cfg, core=core).__enter__())
        for h in started:  # warm the series cache of every host
            r = mb.monlight_test.http("POST", h.url("metrics-collector") + "/api/metrics", body.read_bytes(),
                                      {"X-API-Key": KEY, "Content-Type": "application/json"})
            assert r.status in (200, 202), r
        before = count_rows(started[0])
        results = [None] * len(started)

        def load(i, h):
            results[i] = mb.run_wrk(h.url("metrics-collector"), METRICS_LUA, METRIC_CONNECTIONS // len(started),
                                    DURATION[0], threads=1, core=mb.CLIENT_CORE if len(started) == 1 else None,
                                    env={"MC_KEY": KEY, "MC_BODY": str(body)})
        t0 = time.perf_counter()
        threads = [threading.Thread(target=load, args=(i, h)) for i, h in enumerate(started)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # every acknowledged batch is committed before its answer: count once the clients stopped
        dt = time.perf_counter() - t0
        rows = count_rows(started[0]) - before
        non2xx = sum(r["non2xx"] for r in results)
        if non2xx:
            raise RuntimeError(f"P1: {non2xx} non-2xx answers")
        acked = sum(r["requests"] for r in results) * mc_bench.BATCH
        if rows < acked:
            raise RuntimeError(f"P1: {acked} points acknowledged, {rows} stored")
        return rows / dt
    finally:
        for h in started:
            h.__exit__(None, None, None)


DURATION = [10]


def p4(extra, pins, count):
    """Lines/s from appending LOG_LINES Docker json-file lines to one container per host (all hosts at once) until
    `count()` (rows committed, every host's) has grown by all of them."""
    lines = "".join(lv_bench.json_line(i) for i in range(LOG_LINES)).encode()
    tmps = [tempfile.TemporaryDirectory(prefix="monlight-bench-p4-") for _ in pins]
    servers = []
    try:
        for i, (tmp, pin) in enumerate(zip(tmps, pins)):
            servers.append(lv_bench.Server(tmp.name, extra, pin=pin))
        files = []
        for i, srv in enumerate(servers):  # container ids differ per host: cursors are shared on PostgreSQL
            files.append(srv.add_container(f"bench{i}c1", f"bench{i}"))
            srv.wait_containers(1)
        before = count(servers)
        t0 = time.perf_counter()
        for f in files:
            with open(f, "ab") as out:
                out.write(lines)
        want = before + LOG_LINES * len(servers)
        deadline = time.time() + 600
        while count(servers) < want:
            if time.time() > deadline:
                raise RuntimeError(f"P4: {count(servers) - before} of {LOG_LINES * len(servers)} lines committed")
            time.sleep(0.01)
        return LOG_LINES * len(servers) / (time.perf_counter() - t0)
    finally:
        for srv in servers:
            srv.stop()
        for t in tmps:
            t.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.runs, args.duration = 1, 3
    if not pg_cluster.available():
        print("# PostgreSQL server binaries not installed (scripts/install-deps.sh --test installs postgresql)",
              file=sys.stderr)
        return 1
    DURATION[0] = args.duration
    pg = pg_cluster.PgCluster(fsync=True).start()
    runs = {k: [] for k in ("p2_sqlite", "p2_pg1", "p2_pg2", "p1_sqlite", "p1_pg1", "p1_pg2", "p4_sqlite", "p4_pg1",
                            "p4_pg2")}
    tmp = tempfile.TemporaryDirectory(prefix="monlight-bench-pg-")
    body = Path(tmp.name) / "metrics.json"
    body.write_text(json.dumps(mc_bench.batch_points(1)))

    def sqlite_rows(h):
        con = sqlite3.connect(f"file:{h.data_dir / 'metrics.db'}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT count(*) FROM metrics_raw").fetchone()[0]
        finally:
            con.close()

    try:
        for n in range(args.runs):  # interleaved so that every side sees the same machine load
            runs["p2_sqlite"].append(p2_sqlite(args.duration))
            db = f"bench_{n}"
            pg.create_database(db)
            runs["p2_pg1"].append(p2_postgresql(pg, db, args.duration, 1))
            runs["p2_pg2"].append(p2_postgresql(pg, db, args.duration, 2))

            def pg_rows(h, db=db):
                return int(pg.psql("SELECT count(*) FROM metrics_collector.metrics_raw", db) or 0)
            pg_cfg = metrics_config(pg_config(pg.dsn(db)))
            runs["p1_sqlite"].append(p1(metrics_config(), sqlite_rows, [mb.SERVER_CORE], body))
            runs["p1_pg1"].append(p1(pg_cfg, pg_rows, [mb.SERVER_CORE], body))
            runs["p1_pg2"].append(p1(pg_cfg, pg_rows, [None, None], body))

            def pg_lines(servers, db=db):
                return int(pg.psql("SELECT coalesce(sum(rows), 0) FROM log_viewer.ingesters", db) or 0)
            lv_pg = pg_config(pg.dsn(db))
            runs["p4_sqlite"].append(p4({}, [True], lambda servers: servers[0].indexed()))
            runs["p4_pg1"].append(p4(lv_pg, [True], pg_lines))
            runs["p4_pg2"].append(p4(lv_pg, [False, False], pg_lines))
    finally:
        pg.stop()
        tmp.cleanup()
    med = {k: mb.median(v) for k, v in runs.items()}
    rep = mb.Report("postgresql")
    rep.details = {"runs": runs, "connections": CONNECTIONS, "metric_connections": METRIC_CONNECTIONS,
                   "duration_s": args.duration}
    for fig, unit, what in (("p1", "points/s", "metric_ingest"), ("p2", "req/s", "error_ingest"),
                            ("p4", "lines/s", "log_ingest")):
        s, one, two = med[f"{fig}_sqlite"], med[f"{fig}_pg1"], med[f"{fig}_pg2"]
        rep.figure(f"P15_{fig.upper()}_{what}_sqlite", s, unit, None, "-")
        rep.figure(f"P15_{fig.upper()}_{what}_postgresql_1_host", one, unit, one / s, ">=0.5", ok=one / s >= 0.5,
                   baseline=s)
        rep.figure(f"P15_{fig.upper()}_{what}_postgresql_2_hosts", two, unit, two / s, "report", baseline=s)
    rep.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
