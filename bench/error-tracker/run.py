#!/usr/bin/env python3
"""P2/P3 (PERFORMANCE.md): error ingest requests/s and p99 at half the peak rate, against the same-run
bench-echo-server baseline (a trivial Poco server that reads and parses the body with Poco::JSON).

Usage: python3 bench/error-tracker/run.py [--runs 3] [--duration 10]   (normally through `bash bench/run.sh`)
P2 is also measured through the combined listener (`host.listen`, path /error-tracker/api/errors; that listener has
host.max_threads workers, 64 by default, against the plugin listener's 32): P2_error_ingest_rps_combined.
Server pinned to one core and wrk to the other; each figure is the median of the pinned runs, and one unpinned
run of each side is reported as well. Every 2xx of the error tracker is sent only after its rows are committed,
so completed requests are committed reports; the run checks that against the database."""
import argparse
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import monlight_bench as mb  # noqa: E402

SCRIPT = mb.LIB / "error-post.lua"
CONNECTIONS = 32


def half_rate_delay_ms(url, peak_rps, env, core):
    """A per-connection delay (ms) at which CONNECTIONS connections send about half of `peak_rps`. wrk's delay()
    timer is much coarser than asked for on a busy machine, so the delay is calibrated with short probes."""
    target = peak_rps / 2
    delay = max(1, int(CONNECTIONS * 1000 / max(target, 1)))
    for _ in range(4):
        rps = mb.run_wrk(url, SCRIPT, CONNECTIONS, 2, core=core, env=dict(env, BENCH_DELAY_MS=str(delay)))["rps"]
        if abs(rps - target) <= 0.15 * target or (delay == 1 and rps < target):
            break
        delay = max(1, round(delay * rps / target))
    return delay


def measure_baseline(duration, server_core, client_core):
    with mb.EchoServer(core=server_core) as echo:
        peak = mb.run_wrk(echo.url + "/api/errors", SCRIPT, CONNECTIONS, duration, core=client_core)
        delay = half_rate_delay_ms(echo.url + "/api/errors", peak["rps"], {}, client_core)
        half = mb.run_wrk(echo.url + "/api/errors", SCRIPT, CONNECTIONS, duration, core=client_core,
                          env={"BENCH_DELAY_MS": str(delay)})
    return {"rps": peak["rps"], "p99_peak_ms": peak["p99_ms"], "p99_half_ms": half["p99_ms"],
            "half_rps": half["rps"], "delay_ms": delay}


def measure_tracker(duration, server_core, client_core):
    with mb.BenchHost(["error-tracker"], {"error-tracker.rate_limit": "0"}, core=server_core) as h:
        env = {"BENCH_KEY": h.key("error-tracker")}
        url = h.url("error-tracker")
        peak = mb.run_wrk(url, SCRIPT, CONNECTIONS, duration, core=client_core, env=env)
        con = sqlite3.connect(str(h.data_dir / "errors.db"))
        stored = con.execute("SELECT coalesce(sum(count), 0) FROM errors").fetchone()[0]
        groups = con.execute("SELECT count(*) FROM errors").fetchone()[0]
        con.close()
        acked = peak["requests"] - peak["non2xx"]
        if peak["non2xx"] or stored < acked:
            raise RuntimeError(f"{peak['non2xx']} non-2xx answers; {acked} acknowledged, {stored} stored")
        delay = half_rate_delay_ms(url, peak["rps"], env, client_core)
        half = mb.run_wrk(url, SCRIPT, CONNECTIONS, duration, core=client_core,
                          env=dict(env, BENCH_DELAY_MS=str(delay)))
    return {"rps": peak["rps"], "p99_peak_ms": peak["p99_ms"], "p99_half_ms": half["p99_ms"],
            "half_rps": half["rps"], "delay_ms": delay, "acknowledged": acked, "stored": stored, "groups": groups}


def measure_combined(duration, server_core, client_core):
    """Peak rate of the same load through the combined listener (/error-tracker/ prefix)."""
    with mb.BenchHost(["error-tracker"], {"error-tracker.rate_limit": "0"}, core=server_core, combined=True) as h:
        env = {"BENCH_KEY": h.key("error-tracker"), "BENCH_PATH": "/error-tracker/api/errors"}
        peak = mb.run_wrk(h.url() + "/error-tracker/api/errors", SCRIPT, CONNECTIONS, duration, core=client_core,
                          env=env)
        if peak["non2xx"]:
            raise RuntimeError(f"{peak['non2xx']} non-2xx answers through the combined listener")
    return {"rps": peak["rps"], "p99_peak_ms": peak["p99_ms"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.runs, args.duration = 1, 3

    runs = {"baseline": [], "error-tracker": [], "combined": []}
    for _ in range(args.runs):  # interleaved so that both sides see the same machine load
        runs["baseline"].append(measure_baseline(args.duration, mb.SERVER_CORE, mb.CLIENT_CORE))
        runs["error-tracker"].append(measure_tracker(args.duration, mb.SERVER_CORE, mb.CLIENT_CORE))
        runs["combined"].append(measure_combined(args.duration, mb.SERVER_CORE, mb.CLIENT_CORE))
    unpinned = {"baseline": measure_baseline(args.duration, None, None),
                "error-tracker": measure_tracker(args.duration, None, None)}

    def med(side, key):
        return mb.median(r[key] for r in runs[side])

    b_rps, e_rps = med("baseline", "rps"), med("error-tracker", "rps")
    b_p99, e_p99 = med("baseline", "p99_half_ms"), med("error-tracker", "p99_half_ms")
    ub, ue = unpinned["baseline"]["rps"], unpinned["error-tracker"]["rps"]
    rep = mb.Report("error-tracker")
    rep.details = {"pinned": runs, "unpinned": unpinned, "connections": CONNECTIONS, "duration_s": args.duration}
    rep.figure("P2_error_ingest_rps", e_rps, "req/s", e_rps / b_rps, ">=0.70", ok=e_rps / b_rps >= 0.70,
               baseline=b_rps)
    c_rps = med("combined", "rps")
    rep.figure("P2_error_ingest_rps_combined", c_rps, "req/s", c_rps / b_rps, ">=0.70", ok=c_rps / b_rps >= 0.70,
               baseline=b_rps)
    rep.figure("P2_error_ingest_rps_unpinned", ue, "req/s", ue / ub, ">=0.70", ok=ue / ub >= 0.70, baseline=ub)
    rep.figure("P3_error_ingest_p99_half_peak", e_p99, "ms", e_p99 / b_p99 if b_p99 else None, "<=5ms",
               ok=e_p99 <= 5.0, baseline=b_p99)
    rep.write()


if __name__ == "__main__":
    main()
