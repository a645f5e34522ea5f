"""SPEC §11.6: the unmodified @sentry/browser 11 SDK bundled into a page on another origin than the relay, in
headless Chromium (real CORS), both trace lifecycles: a source-mapped error, a log, a metric, Web Vitals."""
import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from monlight_test import ROOT
from sentry_helpers import error_detail, errors, logs, metric, start, wait_for
from test_br_sdk_browser import PageServer

JS = ROOT / "clients" / "js"
PAGE = Path(__file__).resolve().parent / "sentry_clients" / "browser"
CHROMIUM = os.environ.get("MONLIGHT_CHROMIUM", "/usr/bin/chromium")


def require_tools():
    missing = [what for what, ok in (
        ("node", shutil.which("node")),
        ("clients/js/node_modules (playwright-core, esbuild)", (JS / "node_modules" / "playwright-core").is_dir()),
        ("@sentry/browser (npm ci in tests/browser-relay/sentry_clients/browser)",
         (PAGE / "node_modules" / "@sentry" / "browser").is_dir()),
        (CHROMIUM, os.path.exists(CHROMIUM))) if not ok]
    if missing:
        # CI installs every one of these (scripts/install-deps.sh --test): a missing one there is a failure
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "scripts/install-deps.sh --test installs: " + ", ".join(missing))


@pytest.mark.parametrize("lifecycle", ["stream", "static"])
def test_browser_sdk_in_chromium(host_factory, tmp_path, lifecycle):
    require_tools()
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    subprocess.run([str(JS / "node_modules" / ".bin" / "esbuild"), str(PAGE / "src" / "app.js"), "--bundle",
                    "--minify", "--sourcemap", "--format=iife", "--target=es2020",
                    f"--outfile={site / 'static' / 'app.js'}"], cwd=PAGE, check=True, capture_output=True,
                   timeout=60)
    page = PageServer(site)
    try:
        h = start(host_factory, tmp_path, cors_origins=page.origin)
        created = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "web"}).json()
        up = h.request("browser-relay", "POST", "/api/source-maps",
                       {"project": "web", "release": "web@9", "file_url": page.origin + "/static/app.js",
                        "map_content": (site / "static" / "app.js.map").read_text()})
        assert up.status == 201, up
        page.index = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Pay</title><script>"
                      f"window.SENTRY_CFG={json.dumps({'dsn': created['sentry_dsn'], 'release': 'web@9', 'lifecycle': lifecycle})}"
                      "</script><script src=\"/static/app.js\"></script></head><body><h1>Checkout page</h1>"
                      "<p>A paragraph that is the largest contentful element of this small page.</p>"
                      "<button id=\"pay\" onclick=\"checkout()\">Pay</button></body></html>")
        relay = h.url("browser-relay")
        cfg = {"page": page.origin + "/", "done": page.origin + "/done", "relay": relay}
        run = subprocess.run(["node", "drive.mjs", json.dumps(cfg)], cwd=PAGE, capture_output=True, text=True,
                             timeout=120, env=dict(os.environ, PLAYWRIGHT_FROM=str(JS)))
        assert run.returncode == 0, run.stderr[-3000:]
        out = json.loads(run.stdout.strip().splitlines()[-1])
        diag = json.dumps(out)[:4000]
        # every answer Chromium saw was a readable 200 (real CORS: another origin, no preflight)
        assert out["requests"] and all(r["status"] == 200 for r in out["requests"]), diag
        assert all(r["headers"].get("access-control-allow-origin") == page.origin for r in out["requests"]), diag

        groups = wait_for(lambda: errors(h, project="web"))
        assert [g["exception_type"] for g in groups] == ["TypeError"], diag
        d = error_detail(h, groups[0]["id"])
        assert d["source"] == "browser" and d["environment"] == "browsertest"
        # source-mapped: the frame names the original file and function
        assert "computeTotal" in d["traceback"] and "src/app.js:" in d["traceback"], d["traceback"]
        assert "/static/app.js:" in d["occurrences"][0]["extra"]["original_stack"]

        entries = wait_for(lambda: logs(h, container="web"))
        assert [e["message"] for e in entries] == ["checkout clicked"], entries
        assert entries[0]["attributes"]["step"] == "pay"
        r = metric(h, "button.clicks", project="web", period="1h", labels="page:checkout")
        assert r.status == 200 and r.json()["data"][0]["sum"] == 1, r

        def vitals():
            got = {}
            for v in ("ttfb", "fcp", "lcp"):
                q = urllib.parse.urlencode({"name": f"web_vitals_{v}", "project": "web"})
                lab = h.request("metrics-collector", "GET", f"/api/metrics/labels?{q}")
                if lab.status == 200 and lab.json().get("labels"):
                    got[v] = lab.json()["labels"]
            return got if "ttfb" in got and "fcp" in got else None
        got = wait_for(vitals)
        assert got, diag
        assert got["fcp"]["page"] == ["/"] and got["fcp"]["source"] == ["browser"], got
    finally:
        page.close()
