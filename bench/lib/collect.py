#!/usr/bin/env python3
"""Builds bench/results/latest.json from the figure lines each section printed (bench/results/logs/<section>.out)
and the details a section wrote itself (bench/results/<section>.json, when present). Called by bench/run.sh.

Usage: collect.py --started ISO [--load-start L] --build DIR --out FILE SECTION..."""
import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

from monlight_bench import RESULTS, ROOT, parse_figure


def git_commit():
    p = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return (p.stdout.strip() or None), bool(dirty)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--started", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--load-start", type=float)
    ap.add_argument("--out", required=True)
    ap.add_argument("sections", nargs="*")
    args = ap.parse_args()
    commit, dirty = git_commit()
    doc = {
        "started": args.started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": commit,
        "git_dirty": dirty,
        "build_dir": args.build,
        "machine": {"cpus": os.cpu_count(), "load1_at_start": args.load_start,
                    "loadavg_at_end": list(os.getloadavg()), "kernel": platform.release()},
        "figures": [],
        "sections": {},
    }
    for s in args.sections:
        out = RESULTS / "logs" / f"{s}.out"
        figs = []
        if out.exists():
            for line in out.read_text(errors="replace").splitlines():
                f = parse_figure(line)
                if f:
                    f["section"] = s
                    figs.append(f)
        details = None
        detail_file = RESULTS / f"{s}.json"
        if detail_file.exists():
            try:
                details = json.loads(detail_file.read_text())
            except ValueError:
                details = None
        doc["figures"].extend(figs)
        doc["sections"][s] = {"figures": len(figs), "details": details}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
