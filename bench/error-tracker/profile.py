#!/usr/bin/env python3
"""Instruction profile of the error tracker under the P2 load (issue 17): callgrind counts instructions, which stay
comparable on a shared, noisy machine where wall-clock figures do not.

Usage: python3 bench/error-tracker/profile.py [--duration 20] [--connections 32] [--out /tmp/et.cg] [--combined]
                                             [KEY=VALUE ...]
  (--combined: the load goes through the combined listener, path /error-tracker/api/errors)
  (scripts/install-deps.sh --profile installs valgrind). Uses MONLIGHT_BUILD_DIR (default ./build, which has debug
  symbols). The host runs under callgrind pinned to one core; after a 3 s warm-up the counters are zeroed, the P2 load
  (bench/lib/error-post.lua) runs for --duration seconds, and the counters are dumped to <out>.1. Prints the number of
  reports stored in that window and the instructions per report; read the file with
  `callgrind_annotate --inclusive=yes <out>.1` (or --tree=calling for the callees of a function)."""
import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("MONLIGHT_BUILD_DIR", str(ROOT / "build"))
sys.path.insert(0, str(ROOT / "bench" / "lib"))
import monlight_bench as mb  # noqa: E402
import monlight_test  # noqa: E402


def stored(h):
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    try:
        return con.execute("SELECT coalesce(sum(count), 0) FROM errors").fetchone()[0]
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--out", default="/tmp/error-tracker.cg")
    ap.add_argument("--combined", action="store_true", help="through host.listen instead of the plugin's listener")
    ap.add_argument("config", nargs="*", help="extra KEY=VALUE settings (e.g. error-tracker.max_threads=16)")
    args = ap.parse_args()
    cfg = {"error-tracker.rate_limit": "0"}
    cfg.update(kv.split("=", 1) for kv in args.config)
    h = mb.BenchHost(["error-tracker"], cfg, core=mb.SERVER_CORE, combined=args.combined)
    log = open(h._log_path, "ab")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONLIGHT_")}
    cmd = mb.pinned(["valgrind", "--tool=callgrind", f"--callgrind-out-file={args.out}", "--dump-instr=no",
                     monlight_test.host_binary(), "--config", h.config_path], mb.SERVER_CORE)
    h.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
    try:
        h.wait_healthy(120)
        url = (h.url() + "/error-tracker" if args.combined else h.url("error-tracker")) + "/api/errors"
        wenv = {"BENCH_KEY": h.key("error-tracker")}
        if args.combined:
            wenv["BENCH_PATH"] = "/error-tracker/api/errors"
        mb.run_wrk(url, mb.LIB / "error-post.lua", args.connections, 3, env=wenv)
        subprocess.run(["callgrind_control", "-z", str(h.proc.pid)], check=True, capture_output=True)
        before = stored(h)
        r = mb.run_wrk(url, mb.LIB / "error-post.lua", args.connections, args.duration, env=wenv)
        subprocess.run(["callgrind_control", "-d", str(h.proc.pid)], check=True, capture_output=True)
        n = stored(h) - before
        total = 0
        out = subprocess.run(["callgrind_annotate", f"{args.out}.1"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "PROGRAM TOTALS" in line:
                total = int(line.split()[0].replace(",", ""))
        print(f"reports={n} answered={r['requests']} instructions={total} per_report={total / max(n, 1):.0f}")
        print(f"profile: {args.out}.1")
    finally:
        h.stop(60)
        log.close()


if __name__ == "__main__":
    main()
