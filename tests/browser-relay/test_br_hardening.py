"""Browser relay hardening: source-map position overflow, CORS credentials and Allow (issue 13 items 11, 16)."""
import json

import pytest

from monlight_test import http
from test_br_api import SEED_KEY, admin, browser, error_body, relay_config

MAX = "+/////D"  # VLQ 2^31-1, the largest value §5.9 allows


@pytest.fixture
def relay(host_factory):
    return host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], config=relay_config())


def test_largest_source_map_position_is_shown_exactly(relay):
    # Original line and column 2^31-1 (0-based) are 2^31 1-based; the frame used to read -2147483648.
    sm = {"version": 3, "sources": ["src/app.ts"], "names": [], "mappings": "AA" + MAX + MAX,
          "sourcesContent": ["only one line"]}
    r = admin(relay, "POST", "/api/source-maps", {"project": "shop", "release": "1.0.0",
                                                    "file_url": "/static/app.min.js", "map_content": json.dumps(sm)})
    assert r.status == 201, r
    stack = "TypeError: x\n    at f (https://shop.example.com/static/app.min.js:1:1)"
    r = browser(relay, "POST", "/api/browser/errors", error_body(stack=stack, release="1.0.0"))
    assert r.status == 201, r
    detail = relay.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()
    assert detail["traceback"] == "TypeError: x\n    at f (src/app.ts:2147483648:2147483648)"
    extra = detail["occurrences"][0]["extra"]
    assert extra["original_stack"] == stack
    # the source has no such line, so the excerpt is empty (§5.6: only lines that exist)
    assert extra["source_context"] == [{"frame": 1, "source": "src/app.ts", "line": 2147483648, "context": []}]


def test_405_on_browser_paths_lists_options(relay):
    base = relay.url("browser-relay")
    for path in ("/api/browser/errors", "/api/browser/metrics"):
        r = http("GET", base + path, headers={"X-Monlight-Key": SEED_KEY})
        assert r.status == 405, r
        assert [m.strip() for m in r.headers["allow"].split(",")] == ["POST", "OPTIONS"]
        # the same path answers OPTIONS, as the Allow header now says
        assert http("OPTIONS", base + path).status == 204


def test_allowed_origins_get_credentials_on_preflight_and_answers(relay):
    base = relay.url("browser-relay")
    for origin in ("https://app.example.com", "https://shop.eu.example.com"):
        pre = http("OPTIONS", base + "/api/browser/errors",
                   headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                            "Access-Control-Request-Headers": "content-type"})
        assert pre.status == 204
        assert pre.headers["access-control-allow-origin"] == origin
        assert pre.headers["access-control-allow-credentials"] == "true"
        r = browser(relay, "POST", "/api/browser/errors", error_body(), headers={"Origin": origin})
        assert r.status in (200, 201), r
        assert r.headers["access-control-allow-credentials"] == "true"
        r = browser(relay, "POST", "/api/browser/errors", b"{", headers={"Origin": origin})
        assert r.status == 400 and r.headers["access-control-allow-credentials"] == "true"
    # a refused origin and a request without Origin get no CORS headers at all
    r = http("OPTIONS", base + "/api/browser/errors", headers={"Origin": "https://evil.com"})
    assert r.status == 403 and "access-control-allow-credentials" not in r.headers
    r = browser(relay, "POST", "/api/browser/errors", error_body())
    assert "access-control-allow-credentials" not in r.headers


def test_wildcard_allow_list_never_allows_credentials(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config=relay_config(cors_origins="*"))
    pre = http("OPTIONS", h.url("browser-relay") + "/api/browser/errors",
               headers={"Origin": "https://anyone.test", "Access-Control-Request-Method": "POST"})
    assert pre.status == 204 and pre.headers["access-control-allow-origin"] == "https://anyone.test"
    assert "access-control-allow-credentials" not in pre.headers
    r = browser(h, "POST", "/api/browser/errors", error_body(), headers={"Origin": "https://anyone.test"})
    assert r.status == 201 and "access-control-allow-credentials" not in r.headers
