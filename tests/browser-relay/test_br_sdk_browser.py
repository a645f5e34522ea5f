"""Browser SDK end to end (SPEC §8 with §5): a page on another origin loads the script-tag build from the real relay
in headless Chromium (Debian's chromium driven by playwright-core from clients/js), throws, rejects, does a 5xx fetch
and one to a closed port, then hides. The error (deobfuscated with the uploaded source map of the page's own
esbuild bundle), the Web Vitals and the fetch metrics must arrive in the error tracker and the metrics collector, and
the beacon's response must be a 2xx in Chromium's network log."""
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monlight_test import ROOT, free_port, http

JS = ROOT / "clients" / "js"
E2E = JS / "test" / "e2e"
CHROMIUM = os.environ.get("MONLIGHT_CHROMIUM", "/usr/bin/chromium")
KEY = "e2eshopkey000000000000000000001"
THROW_LINE = 8  # line of the `throw` in test/e2e/page/src/app.ts


def require_tools():
    if not shutil.which("node"):
        pytest.fail("node not found: scripts/install-deps.sh --test installs it")
    if not (JS / "node_modules" / "playwright-core").is_dir() or not (JS / "node_modules" / ".bin" / "esbuild").exists():
        pytest.fail("clients/js/node_modules is missing: run scripts/install-deps.sh --test (npm ci in clients/js)")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run scripts/install-deps.sh --test (Debian package chromium)")


class PageServer:
    """The web page's own origin: index.html, the page bundle, a 5xx API and a blank page to navigate to."""

    def __init__(self, root):
        self.root = Path(root)
        self.port = free_port()
        self.index = ""  # set once the relay's URL is known
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/":
                    body = outer.index.encode()
                    self._send(200, "text/html; charset=utf-8", body)
                elif path == "/api/fail":
                    self._send(500, "application/json", b'{"detail":"boom"}')
                elif path == "/done":
                    self._send(200, "text/html; charset=utf-8", b"<!doctype html><title>done</title><p>done</p>")
                else:
                    super().do_GET()

            def _send(self, status, ctype, body):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def build_page(tmp):
    """The page's bundle, minified by esbuild with a source map, as a site would deploy it."""
    shutil.copytree(E2E / "page" / "src", tmp / "src")
    (tmp / "static").mkdir()
    subprocess.run([str(JS / "node_modules" / ".bin" / "esbuild"), "src/app.ts", "--bundle", "--minify", "--sourcemap",
                    "--format=iife", "--global-name=App", "--target=es2017", "--outfile=static/app.js"],
                   cwd=tmp, check=True, capture_output=True, timeout=60)
    return (tmp / "static" / "app.js.map").read_text()


def wait_for(what, fn, timeout=15):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_sdk_bundle_served(host_factory):
    """GET /sdk/monlight.min.js and its map: no key, per-IP limit, content types, caching keyed by the version."""
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], combined=True,
                     config={"host.ip_rate_limit": "8"})
    relay = h.url("browser-relay")
    r = http("GET", relay + "/sdk/monlight.min.js")
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.headers["access-control-allow-origin"] == "*"
    version = hashlib.sha256(r.body).hexdigest()[:16]
    assert r.headers["etag"] == f'"{version}"'
    text = r.body.decode()
    assert text.startswith("/* @monlight/browser ") and "var MonlightSDK=" in text
    assert text.rstrip().endswith("//# sourceMappingURL=monlight.min.js.map")
    assert "onINP" not in text and "web_vitals_" in text  # minified, web-vitals bundled

    r = http("GET", relay + f"/sdk/monlight.min.js?v={version}")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert http("GET", relay + "/sdk/monlight.min.js?v=0000000000000000").headers["cache-control"] == \
        "public, max-age=3600"
    assert http("GET", relay + "/sdk/monlight.min.js", headers={"If-None-Match": f'"{version}"'}).status == 304
    head = http("HEAD", relay + "/sdk/monlight.min.js")
    assert head.status == 200 and head.body == b""

    m = http("GET", relay + "/sdk/monlight.min.js.map")
    assert m.status == 200 and m.headers["content-type"] == "application/json; charset=utf-8"
    smap = m.json()
    assert smap["version"] == 3 and any(s.endswith("src/client.ts") for s in smap["sources"]), smap["sources"]

    # the same bundle under the combined listener (the admin page's relative root)
    c = http("GET", h.url() + "/browser-relay/sdk/monlight.min.js")
    assert c.status == 200 and hashlib.sha256(c.body).hexdigest()[:16] == version
    # policy NONE: counted against host.ip_rate_limit (8 per minute per client IP; 7 requests so far)
    assert http("GET", relay + "/sdk/monlight.min.js").status == 200
    limited = http("GET", relay + "/sdk/monlight.min.js.map")
    assert limited.status == 429 and limited.json()["detail"] == "Rate limit exceeded", limited


def test_script_tag_build_end_to_end(host_factory, tmp_path):
    require_tools()
    site = tmp_path / "site"
    site.mkdir()
    source_map = build_page(site)
    closed_port = free_port()  # nothing listens there
    page = PageServer(site)
    try:
        run_scenario(host_factory, page, source_map, closed_port)
    finally:
        page.close()


def run_scenario(host_factory, page, source_map, closed_port):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config={"browser-relay.cors_origins": page.origin, "browser-relay.dsn_keys": f"shop:{KEY}"})
    relay = h.url("browser-relay")
    assert not relay.startswith(page.origin)
    sdk = http("GET", relay + "/sdk/monlight.min.js")
    assert sdk.status == 200, f"the relay does not serve the SDK: {sdk.body[:300]!r}"
    version = sdk.headers["etag"].strip('"')
    up = h.request("browser-relay", "POST", "/api/source-maps",
                   {"project": "shop", "release": "1.0.0", "file_url": page.origin + "/static/app.js",
                    "map_content": source_map})
    assert up.status == 201, up
    page.index = (
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Checkout</title>"
        f"<script>window.MonlightConfig={{dsn:\"{KEY}\",endpoint:\"{relay}\",release:\"1.0.0\","
        "environment:\"e2e\",debug:true,maxBatchSize:50,flushInterval:600000}</script>"
        f"<script src=\"{relay}/sdk/monlight.min.js?v={version}\"></script>"
        "<script src=\"/static/app.js\"></script></head><body><h1>Checkout</h1>"
        "<p>Your cart holds three items. Review them, then pay with the button below; this paragraph is the "
        "largest contentful element of the page.</p><button id=\"pay\">Pay</button></body></html>")

    cfg = {"page": page.origin + "/", "done": page.origin + "/done", "closedPort": closed_port, "relay": relay}
    run = subprocess.run(["node", str(E2E / "drive.mjs"), json.dumps(cfg)], cwd=JS, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, f"driver failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    out = json.loads(run.stdout.strip().splitlines()[-1])
    (page.root / "driver.json").write_text(json.dumps(out, indent=1))  # kept with the test's tmp_path
    diag = json.dumps(out, indent=1)[:6000]
    assert out["monlight"]["sdk"] == "function", diag
    assert out["results"] == ["500", "rejected: Failed to fetch"], diag

    # --- the error tracker ---
    def groups():
        r = h.request("error-tracker", "GET", "/api/errors?project=shop&resolved=all&limit=200")
        assert r.status == 200, r
        g = r.json()["errors"]
        return g if len(g) >= 4 else None

    by_message = {g["message"]: g for g in wait_for("four error groups", groups)}
    assert set(by_message) == {
        "cart total missing",
        "payment declined",
        f"GET {page.origin}/api/fail failed with status 500",
        f"GET http://127.0.0.1:{closed_port}/unreachable network error: Failed to fetch",
    }, (by_message.keys(), diag)
    assert {m: g["exception_type"] for m, g in by_message.items()} == {
        "cart total missing": "TypeError", "payment declined": "Error",
        f"GET {page.origin}/api/fail failed with status 500": "NetworkError",
        f"GET http://127.0.0.1:{closed_port}/unreachable network error: Failed to fetch": "NetworkError"}
    assert all(g["source"] == "browser" and g["environment"] == "e2e" and g["count"] == 1
               for g in by_message.values()), by_message
    detail = h.request("error-tracker", "GET", f"/api/errors/{by_message['cart total missing']['id']}").json()
    occ = detail["occurrences"][0]
    # deobfuscated: the frame points into the TypeScript source, the minified stack is kept aside
    assert f"src/app.ts:{THROW_LINE}:" in detail["traceback"], detail["traceback"]
    assert "checkout" in detail["traceback"], detail["traceback"]
    assert "/static/app.js:" in occ["extra"]["original_stack"]
    assert "/static/app.js:" not in detail["traceback"].split("\n")[1]
    assert occ["request_url"] == page.origin + "/"
    assert occ["extra"]["release"] == "1.0.0"
    assert "Chrome" in occ["extra"]["user_agent"]
    session = occ["extra"]["session_id"]
    assert len(session) == 36, occ

    # --- the metrics collector ---
    def names():
        r = h.request("metrics-collector", "GET", "/api/metrics/names?project=shop")
        have = {m["name"] for m in r.json()["metrics"]}
        need = {"web_vitals_fcp", "web_vitals_ttfb", "web_vitals_lcp", "web_vitals_cls", "web_vitals_inp",
                "page_load_time",
                "browser_http_requests_total", "browser_http_request_duration_ms"}
        return have if need <= have else None

    have = wait_for("the vitals and fetch metrics", names)
    labels = h.request("metrics-collector", "GET", "/api/metrics/labels?name=web_vitals_lcp&project=shop").json()
    assert labels["labels"]["page"] == ["/"] and labels["labels"]["source"] == ["browser"], labels
    assert "session_id" not in labels["labels"]  # the relay adds it; rollups drop it (§4.3)

    def count(name, label_filter):
        r = h.request("metrics-collector", "GET",
                      f"/api/metrics?name={name}&project=shop&period=1h&labels={label_filter}")
        assert r.status == 200, r
        return sum(b["count"] for b in r.json()["data"])

    # one 500 before the first hide (sent by the beacon in the network log below), one after it, sent by the
    # beacon of the real navigation away (pagehide)
    assert count("browser_http_requests_total", "status:500,method:GET") == 2
    assert count("browser_http_requests_total", f"status:0,host:127.0.0.1:{closed_port}") == 1
    assert count("browser_http_request_duration_ms", "status:500") == 2
    for vital in ("web_vitals_fcp", "web_vitals_lcp", "web_vitals_ttfb", "web_vitals_cls", "web_vitals_inp",
                  "page_load_time"):
        assert count(vital, "page:/") == 1, vital
    # the SDK's own requests to the relay are not instrumented
    hosts = h.request("metrics-collector", "GET",
                      "/api/metrics/labels?name=browser_http_requests_total&project=shop").json()["labels"]["host"]
    assert hosts == sorted([page.origin[len("http://"):], f"127.0.0.1:{closed_port}"]), hosts

    # --- Chromium's network log ---
    reqs = list(out["requests"].values())
    beacons = [r for r in reqs if "/api/browser/metrics?key=" in r.get("url", "")]
    # one beacon per vitals callback that fires while hidden, then one for what is left (§8.4)
    assert beacons, diag
    for b in beacons:
        assert b["method"] == "POST" and b["type"] == "Ping", b  # navigator.sendBeacon
        assert b["headers"].get("Content-Type", "").lower() == "text/plain;charset=utf-8", b
        assert 200 <= b.get("status", 0) < 300 and not b.get("failed"), b
    errors_sent = [r for r in reqs if r.get("url", "").endswith("/api/browser/errors") and r["method"] == "POST"]
    assert len(errors_sent) == 4 and all(r.get("status") in (200, 201) for r in errors_sent), errors_sent
    # debug is on: no transport failure was warned about; the second 500 was deduplicated (same message)
    assert [c for c in out["console"] if "[Monlight]" in c] == [
        f"warning: [Monlight] duplicate GET {page.origin}/api/fail failed with status 500"], out["console"]
