#!/usr/bin/env python3
"""P9 (PERFORMANCE.md): peak anonymous memory of one host under the combined P1 + P2 + P4 load.

Usage: python3 bench/combined/run.py [--duration 10] [--quick]   (normally through `bash bench/run.sh combined`)

One monlight-host with the error tracker, the metrics collector and the log viewer (pinned to core 1) takes, at
the same time: wrk POSTing ~1 KB error reports (P2's script, 32 connections), wrk POSTing batches of 1000 metric
points (P1's script, 4 connections), and a writer appending Docker json-file lines to a watched container log as
fast as the log viewer drains them (P4's line shape). /proc/<pid>/status is sampled every 50 ms; the figure is the
highest RssAnon seen (heap, stacks, SQLite caches: what load can grow), target <= 80 MiB. VmHWM (the kernel's peak
of all resident memory, libraries included) and what each stream achieved are printed for context."""
import argparse
import importlib.util
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import monlight_bench as mb  # noqa: E402


def load_script(name):
    """A sibling benchmark script as a module (its main() does not run), to reuse its load shapes."""
    path = mb.BENCH / name / "run.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The same bodies as P1 (1000-point batches) and P4 (Docker json-file lines).
metrics_bench = load_script("metrics-collector")
logs_bench = load_script("log-viewer")


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.peak_anon = 0
        self.samples = 0

    def run(self):
        while not self.stop.is_set():
            try:
                st = mb.proc_status(self.pid)
            except OSError:
                return
            self.peak_anon = max(self.peak_anon, st.get("RssAnon", 0))
            self.samples += 1
            self.stop.wait(0.05)


class LogAppender(threading.Thread):
    """Appends lines in chunks of 2000, keeping at most 50 000 lines ahead of what the viewer has stored."""

    def __init__(self, path, host):
        super().__init__(daemon=True)
        self.path, self.host = path, host
        self.stop = threading.Event()
        self.written = 0

    def indexed(self):
        status, body = self.host.health("log-viewer")
        return json.loads(body).get("logs_indexed", 0) if status == 200 else 0

    def run(self):
        with open(self.path, "ab") as f:
            while not self.stop.is_set():
                if self.written - self.indexed() > 50000:
                    self.stop.wait(0.05)
                    continue
                f.write("".join(logs_bench.json_line(self.written + k) for k in range(2000)).encode())
                f.flush()
                self.written += 2000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.duration = 3

    rep = mb.Report("combined")
    with tempfile.TemporaryDirectory(prefix="monlight-bench-p9-") as tmp:
        tmp = Path(tmp)
        containers = tmp / "containers"
        cdir = containers / ("c" * 64)
        cdir.mkdir(parents=True)
        (cdir / "config.v2.json").write_text(json.dumps({"Name": "/bench"}))
        log = cdir / f"{cdir.name}-json.log"
        log.touch()
        body = tmp / "metrics.json"
        body.write_text(json.dumps(metrics_bench.batch_points(1)))
        config = {"error-tracker.rate_limit": "0", "metrics-collector.rate_limit": "0",
                  "log-viewer.rate_limit": "0", "log-viewer.log_sources": str(containers)}
        plugins = ["error-tracker", "metrics-collector", "log-viewer"]
        with mb.BenchHost(plugins, config, core=mb.SERVER_CORE, tmp=tmp / "host") as h:
            idle = mb.proc_status(h.pid)
            sampler = Sampler(h.pid)
            sampler.start()
            appender = LogAppender(log, h)
            results = {}

            def wrk(name, url, script, conns, env):
                try:
                    results[name] = mb.run_wrk(url, script, conns, args.duration, threads=1, core=mb.CLIENT_CORE,
                                               env=env)
                except RuntimeError as e:
                    results[name] = {"error": str(e)}

            loads = [
                threading.Thread(target=wrk, args=("errors", h.url("error-tracker"), mb.LIB / "error-post.lua", 32,
                                                    {"BENCH_KEY": h.key("error-tracker")})),
                threading.Thread(target=wrk, args=("metrics", h.url("metrics-collector"),
                                                    mb.BENCH / "metrics-collector" / "ingest.lua", 4,
                                                    {"MC_KEY": h.key("metrics-collector"), "MC_BODY": str(body)})),
            ]
            t0 = time.time()
            appender.start()
            for t in loads:
                t.start()
            for t in loads:
                t.join()
            appender.stop.set()
            appender.join()
            elapsed = time.time() - t0
            # the log viewer finishes what was appended; its memory counts too
            deadline = time.time() + 60
            while appender.indexed() < appender.written and time.time() < deadline:
                time.sleep(0.1)
            lines = appender.indexed()
            sampler.stop.set()
            sampler.join()
            final = mb.proc_status(h.pid)

    for name in ("errors", "metrics"):
        if "error" in results.get(name, {"error": "did not run"}):
            print(f"# p9: {name} load failed: {results.get(name)}", file=sys.stderr)
    peak = sampler.peak_anon / 1024
    rep.figure("P9_peak_rss_anon", peak, "MiB", None, "<=80MiB", ok=peak <= 80, samples=sampler.samples,
               idle_anon_mib=idle["RssAnon"] / 1024)
    rep.figure("P9_peak_rss_total_vmhwm", final["VmHWM"] / 1024, "MiB", None, "info")
    rep.figure("P9_load_error_reports_per_s", results.get("errors", {}).get("rps", 0.0), "req/s", None, "info")
    rep.figure("P9_load_metric_points_per_s", results.get("metrics", {}).get("rps", 0.0) * 1000, "points/s", None,
               "info")
    rep.figure("P9_load_log_lines_per_s", lines / elapsed, "lines/s", None, "info", lines=lines)
    rep.write()


if __name__ == "__main__":
    main()
