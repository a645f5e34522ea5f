#!/usr/bin/env python3
"""P11 and P14 browser-relay benchmarks (PERFORMANCE.md), both against the error tracker's own ingest rate (P2's
figure) measured in the same run, in the same host process, with the same wrk settings (32 connections, server and
client pinned apart by bench/lib). P11: forwarded browser errors/s with a 200 KB source map applied. P14: Sentry
envelopes/s through the relay's /api/<project>/envelope/ route (one error event, 20-frame stack, br-compressed;
needs the python brotli module to make the bodies).

Usage: MONLIGHT_BUILD_DIR=build-release python3 bench/browser-relay/run.py [--duration 10] [--runs 3]
The host runs error-tracker, metrics-collector and browser-relay (in-process forwarding). Every relay 2xx is sent
after the tracker committed the rewritten error; the stored counts are checked against the acknowledged requests."""
import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import monlight_bench as mb  # noqa: E402

DSN_KEY = "benchdsnkey00001"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


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
    """A ~200 KB map of a minified bundle: lines of 400 segments (every 2-10 columns) into 20 sources with names
    and sourcesContent, like a bundler's output for a mid-sized app."""
    rnd = random.Random(7)
    sources = [f"src/module{i}.ts" for i in range(20)]
    names = [f"function{i}" for i in range(200)]
    contents = ["\n".join(f"export const v{j} = {j}; // m{i}" for j in range(120)) for i in range(20)]
    prev = [0, 0, 0, 0]
    lines, size = [], 0
    while size < target_bytes - 80 * 1024:
        segs = []
        for _ in range(400):
            step = rnd.randint(2, 10)
            src, oline, ocol, name = rnd.randrange(20), rnd.randrange(120), rnd.randrange(40), rnd.randrange(200)
            segs.append(vlq(step) + vlq(src - prev[0]) + vlq(oline - prev[1]) + vlq(ocol - prev[2]) +
                        vlq(name - prev[3]))
            prev = [src, oline, ocol, name]
        lines.append(",".join(segs))
        size += len(lines[-1])
    return json.dumps({"version": 3, "file": "app.min.js", "sources": sources, "names": names,
                       "mappings": ";".join(lines), "sourcesContent": contents}, separators=(",", ":"))


def post(url, body, headers):
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read())


def sentry_bodies(directory, count):
    """br-compressed Sentry envelopes: one Python error event with a 20-frame stack each, each with its own
    event_id (the tracker skips an event_id it stored already, as Sentry retries send the same one); 1 in 10 a new
    error type (new group), the rest repeat 100 types, like relay.lua. Returns False when the brotli module is
    missing."""
    try:
        import brotli
    except ImportError:
        return False
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        etype = f"New{i}Error" if i % 10 == 0 else f"Err{i % 100}"
        frames = [{"filename": f"app/mod{f}.py", "abs_path": f"/srv/app/mod{f}.py", "function": f"handler{f}",
                   "module": f"app.mod{f}", "lineno": 10 + f, "context_line": f"    result = step{f}(request)",
                   "in_app": True} for f in range(20)]
        event = {"event_id": f"{i:032x}", "platform": "python", "level": "error", "environment": "bench",
                 "release": "1.0.0", "server_name": "bench-host", "tags": {"tenant": f"t{i % 5}"},
                 "sdk": {"name": "sentry.python", "version": "2.0.0"},
                 "exception": {"values": [{"type": etype, "value": f"bench message {i}",
                                           "mechanism": {"type": "generic", "handled": True},
                                           "stacktrace": {"frames": frames}}]}}
        payload = json.dumps(event).encode()
        env = (json.dumps({"event_id": event["event_id"], "sent_at": "2026-12-02T00:00:00Z"}).encode() + b"\n" +
               json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload + b"\n")
        (directory / f"{i}.br").write_bytes(brotli.compress(env, quality=5))
    return count


def run_once(duration, map_text, sentry_dir=None, sentry_count=0):
    config = {"error-tracker.rate_limit": "0", "browser-relay.rate_limit": "0",
              "browser-relay.dsn_keys": f"shop:{DSN_KEY}"}
    with mb.BenchHost(["error-tracker", "metrics-collector", "browser-relay"], config) as h:
        relay, et = h.url("browser-relay"), h.url("error-tracker")
        status, _ = post(relay + "/api/source-maps",
                         json.dumps({"project": "shop", "release": "1.0.0", "file_url": "/static/app.min.js",
                                     "map_content": map_text}),
                         {"X-API-Key": h.key("browser-relay"), "Content-Type": "application/json"})
        assert status == 201, status
        # the stack really is rewritten with the map before anything is measured
        probe = json.dumps({"type": "Probe", "message": "m", "release": "1.0.0",
                            "stack": "Probe: m\n    at a (https://shop.example.com/static/app.min.js:3:40)"})
        _, reply = post(relay + "/api/browser/errors", probe, {"X-Monlight-Key": DSN_KEY})
        req = urllib.request.Request(f"{et}/api/errors/{reply['id']}", headers={"X-API-Key": h.key("error-tracker")})
        with urllib.request.urlopen(req) as r:
            assert "src/module" in json.loads(r.read())["traceback"]
        res_relay = mb.run_wrk(relay, HERE / "relay.lua", duration=duration, env={"BR_KEY": DSN_KEY})
        res_et = mb.run_wrk(et, mb.LIB / "error-post.lua", duration=duration, env={"BENCH_KEY": h.key("error-tracker")})
        res_sentry = None
        if sentry_count:
            # §11 Sentry envelope ingest on the same relay (the seeded key is project number 1)
            res_sentry = mb.run_wrk(relay, HERE / "sentry.lua", duration=duration, threads=2,
                                    env={"SENTRY_BODIES": str(sentry_dir), "SENTRY_BODY_COUNT": str(sentry_count),
                                         "SENTRY_KEY": DSN_KEY, "SENTRY_PATH": "/api/1/envelope/",
                                         "SENTRY_THREADS": "2"})
        con = sqlite3.connect(str(h.data_dir / "errors.db"))
        stored = con.execute("SELECT coalesce(sum(count),0) FROM errors").fetchone()[0]
        con.close()
        measured = [r for r in (res_relay, res_et, res_sentry) if r]
        acked = 1 + sum(r["requests"] - r["non2xx"] for r in measured)
        if res_sentry and res_sentry["requests"] > sentry_count:
            # the bodies ran out and repeated: their event_ids were (rightly) not stored twice
            print(f"warning: {res_sentry['requests']} Sentry requests for {sentry_count} distinct event_ids: "
                  "make more bodies (--sentry-bodies)", file=sys.stderr)
            acked -= res_sentry["requests"] - sentry_count
        if stored < acked:
            raise RuntimeError(f"{acked} acknowledged reports but only {stored} stored")
        for r in measured:
            r.pop("output", None)
        return {"relay": res_relay, "error_tracker": res_et, "sentry": res_sentry}


def run_http(duration, map_text):
    """The same relay load with the tracker in a second host process (forward_mode=http, pooled keep-alive)."""
    with mb.BenchHost(["error-tracker", "metrics-collector"], {"error-tracker.rate_limit": "0"}) as up:
        config = {"browser-relay.rate_limit": "0", "browser-relay.dsn_keys": f"shop:{DSN_KEY}",
                  "browser-relay.error_tracker_url": up.url("error-tracker"),
                  "browser-relay.error_tracker_api_key": up.key("error-tracker"),
                  "browser-relay.metrics_collector_url": up.url("metrics-collector"),
                  "browser-relay.metrics_collector_api_key": up.key("metrics-collector")}
        with mb.BenchHost(["browser-relay"], config) as h:
            relay = h.url("browser-relay")
            post(relay + "/api/source-maps",
                 json.dumps({"project": "shop", "release": "1.0.0", "file_url": "/static/app.min.js",
                             "map_content": map_text}),
                 {"X-API-Key": h.key("browser-relay"), "Content-Type": "application/json"})
            res = mb.run_wrk(relay, HERE / "relay.lua", duration=duration, env={"BR_KEY": DSN_KEY})
            res.pop("output", None)
            return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sentry-bodies", type=int, default=90000,
                    help="distinct Sentry envelopes (event_ids) made for P14; more than a run sends")
    args = ap.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.duration, args.runs, args.sentry_bodies = 3, 1, 10000
    map_text = synthetic_map()
    import tempfile
    sentry_dir = Path(tempfile.mkdtemp(prefix="monlight-sentry-bench-"))
    sentry_count = sentry_bodies(sentry_dir, args.sentry_bodies)
    if not sentry_count:
        print("warning: python brotli module missing: Sentry envelope figure skipped", file=sys.stderr)
    try:
        runs = [run_once(args.duration, map_text, sentry_dir, sentry_count) for _ in range(args.runs)]
    finally:
        shutil.rmtree(sentry_dir, ignore_errors=True)
    http_run = run_http(args.duration, map_text)
    relay = mb.median(r["relay"]["rps"] for r in runs)
    direct = mb.median(r["error_tracker"]["rps"] for r in runs)
    rep = mb.Report("browser-relay")
    rep.figure("P11_relay_error_forward_rps", relay, "req/s", relay / direct, ">=0.5", ok=relay / direct >= 0.5,
               baseline=direct)
    rep.figure("P11_error_tracker_ingest_rps", direct, "req/s", None, "-")
    rep.figure("P11_relay_http_forward_rps", http_run["rps"], "req/s", http_run["rps"] / direct, "-",
               mode="http, tracker in a second host process on the same core")
    if sentry_count:
        sentry = mb.median(r["sentry"]["rps"] for r in runs)
        rep.figure("P14_sentry_envelope_rps", sentry, "req/s", sentry / direct, ">=0.5", ok=sentry / direct >= 0.5,
                   baseline=direct, body="one error event, 20-frame Python stack, br-compressed")
        rep.figure("P14_sentry_envelope_p99_peak", mb.median(r["sentry"]["p99_ms"] for r in runs), "ms", None, "-")
    rep.figure("P11_relay_p99_peak", mb.median(r["relay"]["p99_ms"] for r in runs), "ms", None, "-")
    rep.figure("P11_source_map_bytes", len(map_text), "bytes", None, "~200KB")
    bad = sum(r["relay"]["non2xx"] + (r["sentry"]["non2xx"] if r["sentry"] else 0) for r in runs)
    if bad:
        print(f"warning: {bad} non-2xx relay answers (browser errors and Sentry envelopes)", file=sys.stderr)
    rep.details["runs"] = runs
    rep.details["http"] = http_run
    rep.write()


if __name__ == "__main__":
    main()
