#!/usr/bin/env python3
"""P15 (PERFORMANCE.md): ingest with host.storage = postgresql, 1 and 2 hosts on one PostgreSQL 15, as ratios to
the SQLite figure of the same run.

Usage: python3 bench/postgresql/run.py [--runs 3] [--duration 10] [--quick]   (normally through `bash bench/run.sh`)

P2 (error ingest, the P2 body and c=32 of bench/error-tracker) is measured three ways, interleaved per run:
SQLite (the host pinned to one core, wrk to the other), PostgreSQL with 1 host (the same pinning; the PostgreSQL
server is not pinned and takes its CPU from both cores), and PostgreSQL with 2 hosts (one wrk of 16 connections per
host at the same time, the sum of both; hosts and server unpinned, as a 2-host deployment would not share cores).
The server is a throwaway cluster (tests/pg_cluster.py) with fsync on: a durable server, as in production.
Every acknowledged report is checked against the database after each run (sum of counts)."""
import argparse
import os
import sqlite3
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "lib"))
sys.path.insert(0, str(ROOT / "tests"))
import monlight_bench as mb  # noqa: E402
import pg_cluster  # noqa: E402

SCRIPT = mb.LIB / "error-post.lua"
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
    pg = pg_cluster.PgCluster(fsync=True).start()
    runs = {"sqlite": [], "pg1": [], "pg2": []}
    try:
        for n in range(args.runs):  # interleaved so that every side sees the same machine load
            runs["sqlite"].append(p2_sqlite(args.duration))
            db = f"bench_{n}"
            pg.create_database(db)
            runs["pg1"].append(p2_postgresql(pg, db, args.duration, 1))
            runs["pg2"].append(p2_postgresql(pg, db, args.duration, 2))
    finally:
        pg.stop()
    s, p1, p2 = (mb.median(runs[k]) for k in ("sqlite", "pg1", "pg2"))
    rep = mb.Report("postgresql")
    rep.details = {"runs": runs, "connections": CONNECTIONS, "duration_s": args.duration}
    rep.figure("P15_P2_error_ingest_postgresql_1_host", p1, "req/s", p1 / s, ">=0.5", ok=p1 / s >= 0.5, baseline=s)
    rep.figure("P15_P2_error_ingest_postgresql_2_hosts", p2, "req/s", p2 / s, "report", baseline=s)
    rep.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
