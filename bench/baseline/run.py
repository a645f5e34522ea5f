#!/usr/bin/env python3
"""Baselines and host-level figures (PERFORMANCE.md). Run through `bash bench/run.sh`, or directly:

    MONLIGHT_BUILD_DIR=build-release python3 bench/baseline/run.py [sqlite fts echo p8 p13] [--runs 3] [--duration 10]

sqlite  P1's baseline: bench-sqlite-insert (raw sqlite3 prepared inserts into metrics_raw, 1000-row transactions)
fts     P4's baseline: bench-fts-insert (bare sqlite3 inserts of log lines into log_entries + FTS5)
echo    P2's baseline: wrk (bench/lib/error-post.lua, ~1 KB JSON error bodies, c=32) against bench-echo-server,
        server pinned to core 1 and wrk to core 0, median of --runs runs, plus one unpinned run
p8      idle RSS of monlight-host with all five plugins loaded against the idle RSS of bench-echo-server
p13     size of the stripped host + SDK + all plugins (cmake --install --strip into a temp prefix)
Prints `name value unit ratio=... target=...` lines; writes bench/results/baseline.json."""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import monlight_bench as mb  # noqa: E402

SECTIONS = ["sqlite", "fts", "echo", "p8", "p13"]


def run_insert_program(name, args, schema, key):
    """Runs a baseline insert program pinned to the server core; falls back to its built-in schema when the
    plugin's migration no longer fits it. Returns (per-second figure, parsed output, schema used)."""
    base = [mb.bin_path(name)] + [str(a) for a in args]
    attempts = [base + ["--schema", schema], base] if schema.exists() else [base]
    err = ""
    for cmd in attempts:
        p = subprocess.run(mb.pinned(cmd, mb.SERVER_CORE), capture_output=True, text=True)
        if p.returncode == 0:
            fields = dict(kv.split("=", 1) for kv in p.stdout.split())
            used = str(schema.relative_to(mb.ROOT)) if "--schema" in cmd else "built-in"
            return float(fields[key]), fields, used
        err = p.stderr.strip()
        print(f"# {name}: {err}", file=sys.stderr)
    raise RuntimeError(f"{name} failed: {err}")


def sqlite(args, rep):
    rows = 200000 if args.quick else args.rows
    schema = mb.ROOT / "plugins" / "metrics-collector" / "sql" / "001_initial.sql"
    runs = [run_insert_program("bench-sqlite-insert", ["--rows", rows, "--batch", 1000], schema, "rows_per_s")
            for _ in range(args.runs)]
    v = mb.median(r[0] for r in runs)
    rep.figure("P1_baseline_sqlite_insert", v, "rows/s", 1.0, "baseline", rows=rows, runs=[r[0] for r in runs],
               schema=runs[0][2])


def fts(args, rep):
    lines = 50000 if args.quick else args.lines
    schema = mb.ROOT / "plugins" / "log-viewer" / "sql" / "001_initial.sql"
    runs = [run_insert_program("bench-fts-insert", ["--lines", lines, "--batch", 1000], schema, "lines_per_s")
            for _ in range(args.runs)]
    v = mb.median(r[0] for r in runs)
    rep.figure("P4_baseline_fts_insert", v, "lines/s", 1.0, "baseline", lines=lines, runs=[r[0] for r in runs],
               schema=runs[0][2])


def echo_once(duration, pin):
    core_srv, core_cli = (mb.SERVER_CORE, mb.CLIENT_CORE) if pin else (None, None)
    with mb.EchoServer(core=core_srv) as srv:
        res = mb.run_wrk(srv.url + "/api/errors", mb.LIB / "error-post.lua", connections=32, duration=duration,
                         core=core_cli)
    if res["non2xx"] or sum(res["errors"].values()):
        print(f"# echo: {res['non2xx']} non-2xx, socket errors {res['errors']}", file=sys.stderr)
    res.pop("output")
    return res


def echo(args, rep):
    runs = [echo_once(args.duration, True) for _ in range(args.runs)]
    unpinned = echo_once(args.duration, False)
    rps = mb.median(r["rps"] for r in runs)
    p99 = mb.median(r["p99_ms"] for r in runs)
    rep.figure("P2_baseline_echo_rps", rps, "req/s", 1.0, "baseline", connections=32, duration_s=args.duration,
               runs=runs)
    rep.figure("P2_baseline_echo_p99", p99, "ms", 1.0, "baseline")
    rep.figure("P2_baseline_echo_rps_unpinned", unpinned["rps"], "req/s", unpinned["rps"] / rps, "baseline",
               run=unpinned)


def mapped_plugins(pid):
    """Names of the plugin libraries mapped into process pid."""
    names = set()
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "/plugins/" in path and path.endswith(".so"):
                names.add(Path(path).stem)
    return sorted(names)


def idle_host(idle):
    with tempfile.TemporaryDirectory(prefix="monlight-bench-p8-") as tmp:
        docker = Path(tmp) / "containers"
        docker.mkdir()
        config = {"log-viewer.log_sources": str(docker)}
        with mb.BenchHost(mb.monlight_test.SERVICE_PLUGINS, config, core=None, tmp=Path(tmp) / "host",
                          require_healthy=False) as h:
            unhealthy = {}
            for p in h.ports:
                status, body = h.health(p)
                if status != 200:
                    unhealthy[p] = body
                    print(f"# p8: {p} /health {status}: {body}", file=sys.stderr)
            time.sleep(idle)
            st = mb.proc_status(h.pid)
            st["plugins"] = mapped_plugins(h.pid)
            st["unhealthy"] = unhealthy
        return st


def idle_echo(idle):
    with mb.EchoServer(core=None) as srv:
        mb.wait_http(srv.url + "/health")
        time.sleep(idle)
        return mb.proc_status(srv.pid)


def p8(args, rep):
    idle = 2 if args.quick else args.idle
    hosts, echos = [], []
    for _ in range(args.runs):
        echos.append(idle_echo(idle))
        hosts.append(idle_host(idle))
    loaded = hosts[0]["plugins"]
    if len(loaded) < 5:
        print(f"# p8: only {len(loaded)} plugin libraries mapped: {loaded}", file=sys.stderr)
    h = mb.median(s["VmRSS"] for s in hosts) / 1024
    e = mb.median(s["VmRSS"] for s in echos) / 1024
    rep.figure("P8_idle_rss_host", h, "MiB", h / e, "<=2", ok=h / e <= 2, plugins=loaded, idle_s=idle,
               host=hosts, baseline_mib=e)
    rep.figure("P8_idle_rss_echo", e, "MiB", 1.0, "baseline", echo=echos)
    # Where the memory is: anonymous (heap, stacks) versus file-backed (mapped libraries, shared with others).
    ha = mb.median(s["RssAnon"] for s in hosts) / 1024
    ea = mb.median(s["RssAnon"] for s in echos) / 1024
    hf = mb.median(s["RssFile"] for s in hosts) / 1024
    ef = mb.median(s["RssFile"] for s in echos) / 1024
    rep.figure("P8_idle_rss_anon_host", ha, "MiB", ha / ea if ea else None, "info", baseline_mib=ea)
    rep.figure("P8_idle_rss_file_host", hf, "MiB", hf / ef if ef else None, "info", baseline_mib=ef,
               threads=hosts[0].get("Threads"))


def is_elf(p):
    with open(p, "rb") as f:
        return f.read(4) == b"\x7fELF"


def p13(args, rep):
    with tempfile.TemporaryDirectory(prefix="monlight-bench-p13-") as tmp:
        subprocess.run(["cmake", "--install", str(mb.build_dir()), "--prefix", tmp, "--strip"], check=True,
                       stdout=subprocess.DEVNULL)
        parts = {}
        for p in sorted(Path(tmp).rglob("*")):
            if p.is_file() and not p.is_symlink() and is_elf(p):
                parts[str(p.relative_to(tmp))] = p.stat().st_size
        total_tree = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file() and not p.is_symlink())
    if not any(k.endswith("monlight-host") for k in parts):
        raise RuntimeError(f"monlight-host not found in the install tree: {parts}")
    total = sum(parts.values())
    mib = total / (1024 * 1024)
    rep.figure("P13_stripped_install_size", mib, "MiB", mib / 4, "<=4MiB", ok=mib <= 4, bytes=total, files=parts,
               install_tree_bytes=total_tree)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("which", nargs="*", metavar="SECTION", help=" ".join(SECTIONS) + " (default: all)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--rows", type=int, default=1000000, help="rows for bench-sqlite-insert")
    ap.add_argument("--lines", type=int, default=200000, help="lines for bench-fts-insert")
    ap.add_argument("--idle", type=int, default=5, help="idle seconds before reading VmRSS (p8)")
    ap.add_argument("--quick", action="store_true", help="smaller inputs (a smoke run, not a measurement)")
    args = ap.parse_args()
    unknown = [w for w in args.which if w not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    rep = mb.Report("baseline")
    failed = []
    for w in args.which or SECTIONS:
        try:
            globals()[w](args, rep)
        except Exception as e:  # one broken section must not hide the others' figures
            print(f"# {w} failed: {e}", file=sys.stderr)
            failed.append(w)
    rep.details["failed"] = failed
    path = os.environ.get("BENCH_RESULT_FILE")
    rep.write(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
