"""Static checks of the UI files (shared helpers in sync, CSP-friendly markup) and how the host serves them."""
import re
from pathlib import Path

from monlight_test import http

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ["error-tracker", "log-viewer", "metrics-collector", "browser-relay"]


def web(p):
    return ROOT / "plugins" / p / "web"


def pages(p):
    files = [web(p) / "index.html"]
    rt = web(p) / "routes.txt"
    if rt.exists():
        for line in rt.read_text().splitlines():
            if line.strip():
                files.append(web(p) / line.split()[1])
    return files


SHARED = ROOT / "host" / "web" / "static"


def test_shared_helpers_live_once_in_the_host():
    # common.js/common.css are served by the host to every plugin's UI; no plugin carries its own copy.
    for name in ("common.js", "common.css"):
        assert (SHARED / name).exists()
        for p in PLUGINS:
            assert not (web(p) / "static" / name).exists(), f"{p}/web/static/{name} duplicates host/web"


def test_pages_are_csp_friendly_and_relative():
    for p in PLUGINS:
        for f in pages(p):
            html = f.read_text()
            assert html.startswith("<!DOCTYPE html>") and "<html" in html and "class=" in html, f
            # no inline scripts or event handlers (script-src 'self')
            assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], f
            assert not re.search(r"\son[a-z]+=", html), f
            # only relative asset URLs carrying the asset version
            for url in re.findall(r'(?:src|href)="([^"]+)"', html):
                assert not re.match(r"^(?:[a-z]+:)?//", url) and not url.startswith("/"), (f, url)
                if "static/" in url:
                    assert url.endswith("?v=__ASSET_VERSION__"), (f, url)
                    rel = url.split("?")[0].lstrip("./")
                    # static/vendor/: a library npm installs at build time (cmake/MonlightUplot.cmake) and embeds
                    vendor = ROOT / "plugins" / p / "npm" / "node_modules" / "uplot" / "dist" / rel[len("static/vendor/"):]
                    assert (web(p) / rel).exists() or (SHARED / rel[len("static/"):]).exists() or \
                        (rel.startswith("static/vendor/") and vendor.exists()), (f, url)
    assert (web("error-tracker") / "routes.txt").read_text().split() == ["/errors/{id}", "error.html"]


def test_host_serves_pages_and_their_assets(host_factory):
    h = host_factory(plugins=PLUGINS)
    types = {"js": "javascript", "css": "text/css"}
    for p in PLUGINS:
        for path in (["/", "/errors/7"] if p == "error-tracker" else ["/"]):
            r = http("GET", h.url(p) + path)
            assert r.status == 200, (p, path, r)
            assert r.headers["content-type"] == "text/html; charset=utf-8"
            assert "script-src 'self'" in r.headers["content-security-policy"]
            html = r.body.decode()
            assert "__ASSET_VERSION__" not in html and "<html" in html and "class=" in html
            assets = re.findall(r'(?:src|href)="((?:\.\./)?static/[^"]+)"', html)
            assert len(assets) >= 3, assets
            for a in assets:
                assert re.search(r"\?v=[0-9A-Za-z]+$", a), a
                url = h.url(p) + (path.rsplit("/", 1)[0] + "/" + a).replace("/errors/../", "/")
                ra = http("GET", url)
                assert ra.status == 200, (url, ra)
                ext = a.split("?")[0].rsplit(".", 1)[1]
                assert types[ext] in ra.headers["content-type"], (url, ra.headers)


def test_banners_are_announced_to_screen_readers():
    # issue 15 (accessibility): the banner that reports errors and rate limits is a polite live region on every page
    for p in PLUGINS:
        for f in pages(p):
            html = f.read_text()
            assert re.search(r'<div class="ml-banner hidden" role="status" aria-live="polite">', html), f
