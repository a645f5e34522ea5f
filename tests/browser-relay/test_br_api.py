"""Browser relay black-box tests: admin API, browser API, CORS, forwarding, limits (SPEC §5)."""
import json
import re
import time
from pathlib import Path

import pytest

from monlight_test import free_port, http, run_host, self_signed_cert
from tls_proxy import TlsProxy

SEED_KEY = "shopseedkey0001"
ORIGINS = "https://app.example.com, https://*.example.com"
SPEC_MAP = {"version": 3, "file": "app.min.js", "sources": ["src/app.ts"], "names": ["handleClick"],
            "mappings": "AAAA;AACA,IAAIA",
            "sourcesContent": ["const a = 1;\nfunction handleClick() { throw new TypeError('x'); }\n"]}
STACK = ("TypeError: x is undefined\n"
         "    at n (https://shop.example.com/static/app.min.js:2:5)\n"
         "    at https://shop.example.com/static/app.min.js:2:3\n"
         "    at HTMLButtonElement.dispatch (https://cdn.other.com/vendor.js:1:100)")
REWRITTEN = ("TypeError: x is undefined\n"
             "    at handleClick (src/app.ts:2:5)\n"
             "    at src/app.ts:2:1\n"
             "    at HTMLButtonElement.dispatch (https://cdn.other.com/vendor.js:1:100)")


def relay_config(**extra):
    cfg = {"browser-relay.cors_origins": ORIGINS, "browser-relay.dsn_keys": f"shop:{SEED_KEY}"}
    cfg.update({f"browser-relay.{k}": str(v) for k, v in extra.items()})
    return cfg


@pytest.fixture
def host(host_factory):
    return host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], config=relay_config())


def admin(h, method, path, body=None, headers=None):
    return h.request("browser-relay", method, path, body, headers)


def browser(h, method, path, body=None, key=SEED_KEY, headers=None):
    hdrs = dict(headers or {})
    if key is not None:
        hdrs["X-Monlight-Key"] = key
    return http(method, h.url("browser-relay") + path, body, hdrs)


def error_body(**extra):
    body = {"type": "TypeError", "message": "x is undefined", "stack": "TypeError: x\n    at f (https://a/b.js:1:1)"}
    body.update(extra)
    return body


# ---------------------------------------------------------------- DSN keys (admin)

def test_dsn_key_create_list_deactivate(host):
    r = admin(host, "POST", "/api/dsn-keys", {"project": "blog"})
    assert r.status == 201, r
    k = r.json()
    assert list(k) == ["id", "public_key", "project", "active", "created_at", "project_number", "sentry_dsn"]
    assert re.fullmatch(r"[0-9a-f]{32}", k["public_key"])
    assert k["project"] == "blog" and k["active"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", k["created_at"])
    other = admin(host, "POST", "/api/dsn-keys", {"project": "blog"}).json()
    assert other["public_key"] != k["public_key"]

    keys = admin(host, "GET", "/api/dsn-keys").json()["keys"]
    assert [x["project"] for x in keys] == ["shop", "blog", "blog"]  # seeded key first, ordered by id
    assert list(keys[0]) == ["id", "public_key", "project", "active", "created_at", "last_used_at",
                            "project_number", "sentry_dsn"]
    assert keys[0]["public_key"] == SEED_KEY
    assert len(admin(host, "GET", "/api/dsn-keys?project=blog").json()["keys"]) == 2

    # the new key works at once on the browser routes
    assert browser(host, "POST", "/api/browser/errors", error_body(), key=k["public_key"]).status == 201

    r = admin(host, "DELETE", f"/api/dsn-keys/{k['id']}")
    assert r.status == 200 and r.json() == {"status": "deactivated", "id": k["id"]}
    assert admin(host, "DELETE", f"/api/dsn-keys/{k['id']}").status == 200  # idempotent
    assert browser(host, "POST", "/api/browser/errors", error_body(), key=k["public_key"]).json() == \
        {"detail": "Invalid DSN key"}
    active = admin(host, "GET", "/api/dsn-keys?active=true").json()["keys"]
    inactive = admin(host, "GET", "/api/dsn-keys?active=false").json()["keys"]
    assert k["id"] not in [x["id"] for x in active]
    assert [x["id"] for x in inactive] == [k["id"]] and inactive[0]["active"] is False
    assert admin(host, "GET", "/api/dsn-keys?active=yes").json() == {"detail": "Invalid parameter: active"}


def test_dsn_key_validation_and_ids(host):
    cases = [(b"", "Empty request body"), (b"{", "Invalid JSON"), (b"[]", "Request body must be a JSON object"),
             ({}, "Missing required field: project"), ({"project": 5}, "Missing required field: project"),
             ({"project": ""}, "Field 'project' must be 1-100 characters"),
             ({"project": "p" * 101}, "Field 'project' must be 1-100 characters")]
    for body, detail in cases:
        r = admin(host, "POST", "/api/dsn-keys", body)
        assert (r.status, r.json()) == (400, {"detail": detail}), body
    for bad in ["abc", "0", "1234567890123456789", "-1"]:
        r = admin(host, "DELETE", f"/api/dsn-keys/{bad}")
        assert (r.status, r.json()) == (400, {"detail": "Invalid ID"}), bad
    r = admin(host, "DELETE", "/api/dsn-keys/999")
    assert (r.status, r.json()) == (404, {"detail": "DSN key not found"})
    assert admin(host, "DELETE", "/api/dsn-keys/0001").status == 200  # leading zeros: the seeded key


def test_admin_routes_need_the_admin_key(host):
    assert http("GET", host.url("browser-relay") + "/api/dsn-keys").status == 401
    r = http("GET", host.url("browser-relay") + "/api/dsn-keys", headers={"X-API-Key": SEED_KEY})
    assert (r.status, r.json()) == (401, {"detail": "Invalid API key"})
    r = http("GET", host.url("browser-relay") + "/api/source-maps", headers={"X-Monlight-Key": SEED_KEY})
    assert r.status == 401
    # and the admin key is not a DSN key
    r = browser(host, "POST", "/api/browser/errors", error_body(), key=host.key("browser-relay"))
    assert (r.status, r.json()) == (401, {"detail": "Invalid DSN key"})


def test_seeded_keys_survive_restart_and_keep_state(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], config=relay_config())
    seeded = admin(h, "GET", "/api/dsn-keys").json()["keys"][0]
    admin(h, "DELETE", f"/api/dsn-keys/{seeded['id']}")
    assert h.stop() == 0
    h.start()
    keys = admin(h, "GET", "/api/dsn-keys").json()["keys"]
    assert len(keys) == 1 and keys[0]["active"] is False  # not re-activated by seeding


# ---------------------------------------------------------------- source maps (admin)

def upload(h, file_url="/static/app.min.js", content=None, project="shop", release="1.0.0"):
    body = {"project": project, "release": release, "file_url": file_url,
            "map_content": json.dumps(SPEC_MAP) if content is None else content}
    return admin(h, "POST", "/api/source-maps", body)


def test_source_map_upload_replace_list_delete(host):
    r = upload(host, "https://shop.example.com/static/app.min.js?v=3")
    assert r.status == 201, r
    m = r.json()
    assert m == {"status": "uploaded", "id": m["id"], "project": "shop", "release": "1.0.0",
                 "file_url": "/static/app.min.js", "size": len(json.dumps(SPEC_MAP).encode())}
    r = upload(host, "/static/app.min.js", content=SPEC_MAP)  # object form, same key → replaced in place
    assert r.status == 200
    assert r.json()["status"] == "replaced" and r.json()["id"] == m["id"]
    assert r.json()["size"] == len(json.dumps(SPEC_MAP, separators=(",", ":")).encode())
    upload(host, "/static/other.js", project="blog")

    listing = admin(host, "GET", "/api/source-maps?project=shop").json()
    assert listing["total"] == 1
    item = listing["source_maps"][0]
    assert list(item) == ["id", "project", "release", "file_url", "size", "uploaded_at", "last_used_at"]
    assert item["last_used_at"] is None and "map_content" not in item
    assert admin(host, "GET", "/api/source-maps").json()["total"] == 2
    assert admin(host, "GET", "/api/source-maps?release=2.0").json() == {"source_maps": [], "total": 0}

    assert admin(host, "DELETE", f"/api/source-maps/{m['id']}").json() == {"status": "deleted", "id": m["id"]}
    r = admin(host, "DELETE", f"/api/source-maps/{m['id']}")
    assert (r.status, r.json()) == (404, {"detail": "Source map not found"})
    assert admin(host, "DELETE", "/api/source-maps/x").json() == {"detail": "Invalid ID"}


def test_source_map_validation(host):
    ok = {"project": "shop", "release": "1", "file_url": "/a.js", "map_content": json.dumps(SPEC_MAP)}
    cases = [
        ({k: v for k, v in ok.items() if k != "release"}, "Missing required field: release"),
        ({**ok, "map_content": 5}, "Missing required field: map_content"),
        ({**ok, "project": ""}, "Field 'project' must be 1-100 characters"),
        ({**ok, "release": "r" * 101}, "Field 'release' must be 1-100 characters"),
        ({**ok, "file_url": "f" * 501}, "Field 'file_url' must be 1-500 characters"),
        ({**ok, "map_content": "not json"}, "Invalid source map format"),
        ({**ok, "map_content": {**SPEC_MAP, "version": 2}}, "Invalid source map format"),
        ({**ok, "map_content": {**SPEC_MAP, "mappings": "AA"}}, "Invalid source map format"),
        ({**ok, "map_content": {"version": 3, "sections": [{"offset": {"line": 0, "column": 0},
                                                              "url": "x.map"}]}}, "Invalid source map format"),
    ]
    for body, detail in cases:
        r = admin(host, "POST", "/api/source-maps", body)
        assert (r.status, r.json()) == (400, {"detail": detail}), body
    index = {"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": SPEC_MAP}]}
    assert upload(host, "/index.js", content=index).status == 201


def test_source_map_upload_cap_is_its_own(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config=relay_config(max_source_map_size=200000))
    big = dict(SPEC_MAP, sourcesContent=["x" * 150000])
    assert upload(h, content=json.dumps(big)).status == 201  # above max_body_size (64 KiB)
    r = upload(h, content=json.dumps(dict(SPEC_MAP, sourcesContent=["x" * 210000])))
    assert (r.status, r.json()) == (413, {"detail": "Request body exceeds maximum size"})
    r = browser(h, "POST", "/api/browser/errors", error_body(message="m" * 70000))
    assert r.status == 413


# ---------------------------------------------------------------- browser errors

def test_error_stack_deobfuscated_and_forwarded_in_process(host):
    upload(host)
    r = browser(host, "POST", "/api/browser/errors",
                error_body(stack=STACK, release="1.0.0", url="https://shop.example.com/cart",
                           context={"user_id": 42}, session_id="sess-1"))
    assert r.status == 201, r
    created = r.json()
    assert created["status"] == "created" and created["count"] == 1
    r = browser(host, "POST", "/api/browser/errors", error_body(stack=STACK, release="1.0.0"))
    assert r.status == 200 and r.json()["status"] == "incremented" and r.json()["id"] == created["id"]

    detail = host.request("error-tracker", "GET", f"/api/errors/{created['id']}").json()
    assert detail["project"] == "shop" and detail["environment"] == "prod" and detail["source"] == "browser"
    assert detail["traceback"] == REWRITTEN
    occ = detail["occurrences"][-1]
    assert occ["request_method"] == "BROWSER" and occ["user_id"] == "42" and occ["session_id"] == "sess-1"
    extra = occ["extra"]
    assert extra["original_stack"] == STACK and extra["release"] == "1.0.0"
    assert extra["source_context"][0]["frame"] == 1 and extra["source_context"][0]["source"] == "src/app.ts"
    assert [c["line"] for c in extra["source_context"][0]["context"]] == [1, 2, 3]

    # the map is now marked as used; without a release nothing is rewritten
    r = browser(host, "POST", "/api/browser/errors", error_body(stack=STACK, environment="staging"))
    other = host.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()
    assert other["traceback"] == STACK and other["environment"] == "staging"


def test_error_validation(host):
    cases = [(b"", "Empty request body"), (b"nope", "Invalid JSON"), (b"[1]", "Request body must be a JSON object"),
             ({"message": "m", "stack": ""}, "Missing required field: type"),
             ({"type": "E", "stack": ""}, "Missing required field: message"),
             ({"type": "E", "message": "m"}, "Missing required field: stack"),
             (error_body(release=""), "Field 'release' must be 1-100 characters"),
             (error_body(environment="e" * 51), "Field 'environment' must be 1-50 characters")]
    for body, detail in cases:
        r = browser(host, "POST", "/api/browser/errors", body)
        assert (r.status, r.json()) == (400, {"detail": detail}), body


def test_beacon_query_key_and_text_plain(host):
    body = json.dumps(error_body(message="from a beacon"))
    r = http("POST", host.url("browser-relay") + f"/api/browser/errors?key={SEED_KEY}", body,
             {"Content-Type": "text/plain;charset=UTF-8"})
    assert r.status == 201, r
    r = http("POST", host.url("browser-relay") + f"/api/browser/errors?dsn={SEED_KEY}", body)
    assert r.status == 200, r  # same group again
    r = http("POST", host.url("browser-relay") + "/api/browser/errors?key=wrongkey123", body)
    assert (r.status, r.json()) == (401, {"detail": "Invalid DSN key"})
    r = http("POST", host.url("browser-relay") + "/api/browser/metrics?key=" + SEED_KEY,
             json.dumps([{"name": "beacon", "type": "counter", "value": 1}]), {"Content-Type": "text/plain"})
    assert r.status == 202, r


# ---------------------------------------------------------------- browser metrics

def test_metrics_enriched_and_forwarded_in_process(host):
    body = {"url": "https://shop.example.com/users/42/orders?tab=1", "session_id": "s-9", "project": "ignored",
            "metrics": [{"name": "web_vitals_lcp", "type": "histogram", "value": 1234.5,
                         "labels": {"source": "mine", "rating": "good"}},
                        {"name": "clicks", "type": "counter", "value": 2}]}
    r = browser(host, "POST", "/api/browser/metrics", body)
    assert (r.status, r.json()) == (202, {"status": "accepted", "count": 2, "dropped": 0})
    names = host.request("metrics-collector", "GET", "/api/metrics/names?project=shop").json()["metrics"]
    assert {"web_vitals_lcp", "clicks"} <= {n["name"] for n in names}
    labels = host.request("metrics-collector", "GET", "/api/metrics/labels?name=web_vitals_lcp&project=shop").json()
    assert labels["labels"]["page"] == ["/users/{id}/orders"]
    assert labels["labels"]["source"] == ["browser"] and labels["labels"]["project"] == ["shop"]
    assert labels["labels"]["rating"] == ["good"]


def test_metrics_validation_carries_index(host):
    r = browser(host, "POST", "/api/browser/metrics",
                [{"name": "a", "type": "gauge", "value": 1}, {"name": "b", "type": "gauge", "value": "x"}])
    assert (r.status, r.json()) == (400, {"detail": "Field 'value' must be a finite number", "index": 1})
    r = browser(host, "POST", "/api/browser/metrics", {"metrics": []})
    assert r.json() == {"detail": "Metrics array must not be empty"}


# ---------------------------------------------------------------- CORS

def test_cors_matrix(host):
    base = host.url("browser-relay")
    pre = http("OPTIONS", base + "/api/browser/errors",
               headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "content-type, x-monlight-key, x-custom"})
    assert pre.status == 204 and pre.body == b""
    assert pre.headers["access-control-allow-origin"] == "https://app.example.com"
    assert pre.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert pre.headers["access-control-allow-headers"] == "content-type, x-monlight-key, x-custom"
    assert pre.headers["access-control-max-age"] == "86400"
    assert "Origin" in pre.headers["vary"]
    pre = http("OPTIONS", base + "/api/browser/metrics", headers={"Origin": "https://shop.eu.example.com"})
    assert pre.status == 204
    assert pre.headers["access-control-allow-headers"] == "X-Monlight-Key, Content-Type"
    plain = http("OPTIONS", base + "/api/browser/errors")
    assert plain.status == 204 and plain.headers["allow"] == "POST, OPTIONS"
    for bad in ["https://example.com", "http://app.example.com", "https://evil.com"]:
        r = http("OPTIONS", base + "/api/browser/errors", headers={"Origin": bad})
        assert (r.status, r.json()) == (403, {"detail": "Origin not allowed"}), bad
        r = browser(host, "POST", "/api/browser/errors", error_body(), headers={"Origin": bad})
        assert r.status == 403 and "Origin" in r.headers["vary"] and "access-control-allow-origin" not in r.headers

    origin = {"Origin": "https://APP.example.com"}
    for status, r in [(201, browser(host, "POST", "/api/browser/errors", error_body(), headers=origin)),
                      (400, browser(host, "POST", "/api/browser/errors", b"{", headers=origin)),
                      (401, browser(host, "POST", "/api/browser/errors", error_body(), key="badkey123", headers=origin)),
                      (404, browser(host, "POST", "/api/browser/nothing", error_body(), headers=origin)),
                      (405, browser(host, "GET", "/api/browser/errors", headers=origin))]:
        assert r.status == status, r
        assert r.headers["access-control-allow-origin"] == "https://APP.example.com"
        assert "Retry-After" in r.headers["access-control-expose-headers"]
        assert "X-Request-Id" in r.headers["access-control-expose-headers"]
        assert "Origin" in r.headers["vary"]
        if status == 405:
            assert "POST" in r.headers["allow"]
    # no Origin: no CORS headers; admin routes never carry them
    assert "access-control-allow-origin" not in browser(host, "POST", "/api/browser/errors", error_body()).headers
    r = admin(host, "GET", "/api/dsn-keys", headers=origin)
    assert r.status == 200 and "access-control-allow-origin" not in r.headers


def test_cors_empty_allow_list_rejects_every_origin(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config={"browser-relay.dsn_keys": f"shop:{SEED_KEY}"})
    r = browser(h, "POST", "/api/browser/errors", error_body(), headers={"Origin": "https://app.example.com"})
    assert (r.status, r.json()) == (403, {"detail": "Origin not allowed"})
    assert browser(h, "POST", "/api/browser/errors", error_body()).status == 201


# ---------------------------------------------------------------- rate limits

def test_per_dsn_key_limit_does_not_starve_another_key(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config=relay_config(rate_limit=3))
    other = admin(h, "POST", "/api/dsn-keys", {"project": "blog"}).json()["public_key"]
    for _ in range(3):
        assert browser(h, "POST", "/api/browser/errors", error_body()).status in (200, 201)
    r = browser(h, "POST", "/api/browser/errors", error_body())
    assert r.status == 429 and r.json()["detail"] == "Rate limit exceeded"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert browser(h, "POST", "/api/browser/errors", error_body(), key=other).status in (200, 201)
    # the admin API has its own budget
    assert admin(h, "GET", "/api/dsn-keys").status == 200


def test_dsn_aggregate_limit(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config=relay_config(dsn_rate_limit=2))
    codes = [browser(h, "POST", "/api/browser/metrics", [{"name": "a", "type": "counter", "value": 1}]).status
             for _ in range(3)]
    assert codes == [202, 202, 429]


# ---------------------------------------------------------------- health, self-metrics

def test_health_reports_in_process_forwarding_and_forward_counter(host):
    r = http("GET", host.url("browser-relay") + "/health")
    assert r.status == 200
    assert r.json() == {"status": "ok", "service": "browser-relay", "version": r.json()["version"],
                        "forwarding": {"error-tracker": "in-process", "metrics-collector": "in-process"}}
    browser(host, "POST", "/api/browser/errors", error_body())
    text = admin(host, "GET", "/metrics").body.decode()
    assert 'monlight_relay_forward_total{target="error-tracker",mode="in-process",result="ok"} 1' in text


# ---------------------------------------------------------------- HTTP forwarding

def test_http_forwarding_to_another_host(host_factory):
    upstream = host_factory(plugins=["error-tracker", "metrics-collector"])
    relay = host_factory(plugins=["browser-relay"], config=relay_config(
        error_tracker_url=upstream.url("error-tracker") + "/",
        error_tracker_api_key=upstream.key("error-tracker"),
        metrics_collector_url=upstream.url("metrics-collector"),
        metrics_collector_api_key=upstream.key("metrics-collector")))
    assert http("GET", relay.url("browser-relay") + "/health").json()["forwarding"] == \
        {"error-tracker": "http", "metrics-collector": "http"}
    upload(relay)
    for expected in [("created", 201), ("incremented", 200)]:
        r = browser(relay, "POST", "/api/browser/errors", error_body(stack=STACK, release="1.0.0"))
        assert (r.json()["status"], r.status) == expected, r
    group = upstream.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()
    assert group["traceback"] == REWRITTEN and group["project"] == "shop"
    r = browser(relay, "POST", "/api/browser/metrics",
                {"url": "/p/1", "metrics": [{"name": "m1", "type": "gauge", "value": 3}]})
    assert (r.status, r.json()) == (202, {"status": "accepted", "count": 1, "dropped": 0})
    labels = upstream.request("metrics-collector", "GET", "/api/metrics/labels?name=m1").json()["labels"]
    assert labels["page"] == ["/p/{id}"] and labels["project"] == ["shop"]
    text = relay.request("browser-relay", "GET", "/metrics").body.decode()
    assert 'monlight_relay_forward_total{target="error-tracker",mode="http",result="ok"} 2' in text
    assert 'monlight_relay_forward_total{target="metrics-collector",mode="http",result="ok"} 1' in text


def test_https_forwarding_through_a_tls_proxy(host_factory, tmp_path):
    """An https:// upstream (here a TLS-terminating proxy in front of another host, as nginx would be): the relay
    speaks TLS through the SDK's on-demand module and keeps the connection alive across requests."""
    upstream = host_factory(plugins=["error-tracker", "metrics-collector"])
    cert, key = self_signed_cert(tmp_path)
    et = TlsProxy(upstream.ports["error-tracker"], cert, key)
    mc = TlsProxy(upstream.ports["metrics-collector"], cert, key)
    try:
        relay = host_factory(plugins=["browser-relay"], config=relay_config(
            error_tracker_url=et.url, error_tracker_api_key=upstream.key("error-tracker"),
            metrics_collector_url=mc.url + "/", metrics_collector_api_key=upstream.key("metrics-collector"),
            forward_tls_verify="false"))
        for expected in [("created", 201), ("incremented", 200), ("incremented", 200)]:
            r = browser(relay, "POST", "/api/browser/errors", error_body())
            assert (r.json()["status"], r.status) == expected, r
        assert upstream.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()["count"] == 3
        assert (et.handshakes, et.connections) == (1, 1)  # one kept-alive TLS connection served all three
        # the proxy closes the idle connection: the next forward opens a new TLS connection by itself
        et.drop_connections()
        time.sleep(0.2)
        r = browser(relay, "POST", "/api/browser/errors", error_body())
        assert (r.status, r.json()["count"]) == (200, 4)
        assert et.handshakes == 2
        r = browser(relay, "POST", "/api/browser/metrics", [{"name": "m1", "type": "gauge", "value": 3}])
        assert (r.status, r.json()["count"]) == (202, 1)
        assert mc.handshakes == 1
    finally:
        et.close()
        mc.close()


def test_https_upstream_certificate_is_verified_by_default(host_factory, tmp_path):
    upstream = host_factory(plugins=["error-tracker"])
    cert, key = self_signed_cert(tmp_path)
    proxy = TlsProxy(upstream.ports["error-tracker"], cert, key)
    try:
        relay = host_factory(plugins=["browser-relay"], config=relay_config(
            error_tracker_url=proxy.url, error_tracker_api_key=upstream.key("error-tracker"),
            metrics_collector_url=proxy.url, metrics_collector_api_key="k" * 16, forward_timeout_ms=2000))
        r = browser(relay, "POST", "/api/browser/errors", error_body())
        assert (r.status, r.json()) == (502, {"detail": "Upstream error"})
        # the proxy's thread counts the refused handshake when it sees the relay's alert, which can come after
        # the relay already answered
        deadline = time.time() + 5
        while proxy.failed_handshakes == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert proxy.handshakes == 0 and proxy.failed_handshakes >= 1
        assert upstream.request("error-tracker", "GET", "/api/errors").json()["total"] == 0
    finally:
        proxy.close()


def test_upstream_down_gives_502(host_factory):
    dead = f"http://127.0.0.1:{free_port()}"
    relay = host_factory(plugins=["browser-relay"], config=relay_config(
        error_tracker_url=dead, error_tracker_api_key="k" * 16, forward_timeout_ms=1000,
        metrics_collector_url=dead, metrics_collector_api_key="k" * 16))
    origin = {"Origin": "https://app.example.com"}
    r = browser(relay, "POST", "/api/browser/errors", error_body(), headers=origin)
    assert (r.status, r.json()) == (502, {"detail": "Upstream error"})
    assert r.headers["access-control-allow-origin"] == "https://app.example.com"
    r = browser(relay, "POST", "/api/browser/metrics", [{"name": "a", "type": "gauge", "value": 1}])
    assert (r.status, r.json()) == (502, {"detail": "Upstream error"})
    assert "forward to error-tracker (http) failed" in relay.log()


def test_upstream_rejecting_key_gives_502(host_factory):
    upstream = host_factory(plugins=["error-tracker"])
    relay = host_factory(plugins=["browser-relay"], config=relay_config(
        forward_mode="http", error_tracker_url=upstream.url("error-tracker"), error_tracker_api_key="wrong" * 4,
        metrics_collector_url=upstream.url("error-tracker"), metrics_collector_api_key="wrong" * 4))
    r = browser(relay, "POST", "/api/browser/errors", error_body())
    assert (r.status, r.json()) == (502, {"detail": "Upstream error"})


def test_forwarding_config_errors(host_factory):
    h = host_factory(plugins=["browser-relay"], start=False)
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 78, r.stderr
    assert ("browser-relay.error_tracker_url: required key is not set "
            "(needed because error-tracker is not loaded in this host)") in r.stderr
    assert "browser-relay.metrics_collector_api_key: required key is not set" in r.stderr
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], start=False,
                     config={"browser-relay.dsn_keys": "shop:short"})
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 78 and "browser-relay.dsn_keys" in r.stderr


def test_usage_times_flushed_at_shutdown(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], config=relay_config())
    upload(h)
    assert admin(h, "GET", "/api/dsn-keys").json()["keys"][0]["last_used_at"] is None
    assert browser(h, "POST", "/api/browser/errors", error_body(stack=STACK, release="1.0.0")).status == 201
    assert h.stop() == 0
    h.start()
    key = admin(h, "GET", "/api/dsn-keys").json()["keys"][0]
    assert key["last_used_at"] is not None and key["last_used_at"] >= key["created_at"]
    assert admin(h, "GET", "/api/source-maps").json()["source_maps"][0]["last_used_at"] is not None


def test_admin_limit_is_per_admin_key(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config=relay_config(admin_rate_limit=2))
    assert [admin(h, "GET", "/api/dsn-keys").status for _ in range(3)] == [200, 200, 429]
    assert browser(h, "POST", "/api/browser/errors", error_body()).status == 201


def test_real_esbuild_map_end_to_end(host):
    fixtures = Path(__file__).resolve().parents[2] / "plugins" / "browser-relay" / "testsuite" / "fixtures" / "esbuild"
    js = (fixtures / "app.min.js").read_text()
    line = js.splitlines()[0]
    col = line.index("throw new TypeError") + 1
    r = upload(host, "/static/app.min.js", content=(fixtures / "app.min.js.map").read_text(), release="2.0.0")
    assert r.status == 201
    stack = f"TypeError: too expensive: 150\n    at l (https://shop.example.com/static/app.min.js?v=2:1:{col})"
    r = browser(host, "POST", "/api/browser/errors", error_body(stack=stack, release="2.0.0"))
    group = host.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()
    assert group["traceback"] == "TypeError: too expensive: 150\n    at l (../app.ts:14:5)"
    ctx = group["occurrences"][0]["extra"]["source_context"][0]
    assert ctx["line"] == 14 and ctx["context"][2]["text"].strip().startswith("throw new TypeError")


def test_parsed_map_cache_follows_replace_and_delete(host):
    def traceback_of(etype):
        r = browser(host, "POST", "/api/browser/errors", error_body(type=etype, stack=STACK, release="1.0.0"))
        assert r.status == 201, r
        return host.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()["traceback"]

    m = upload(host).json()
    assert traceback_of("First") == REWRITTEN  # parsed and cached
    upload(host, content=dict(SPEC_MAP, sources=["src/v2.ts"]))
    assert traceback_of("Second") == REWRITTEN.replace("src/app.ts", "src/v2.ts")
    admin(host, "DELETE", f"/api/source-maps/{m['id']}")
    assert traceback_of("Third") == STACK
    # a map uploaded after a miss is used at once (the miss is not cached past the upload)
    upload(host, "https://cdn.example.com/assets/app.min.js")
    assert traceback_of("Fourth") == REWRITTEN  # unique last segment `app.min.js` matches


def test_combined_listener_serves_the_relay(host_factory):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"], config=relay_config(),
                     combined=True)
    base = h.url() + "/browser-relay"
    r = http("OPTIONS", base + "/api/browser/errors", headers={"Origin": "https://app.example.com"})
    assert r.status == 204 and r.headers["access-control-allow-origin"] == "https://app.example.com"
    r = http("POST", base + "/api/browser/errors", error_body(),
             {"X-Monlight-Key": SEED_KEY, "Origin": "https://app.example.com"})
    assert r.status == 201 and r.headers["access-control-allow-origin"] == "https://app.example.com"
    r = http("GET", base + "/api/dsn-keys", headers={"X-API-Key": h.key("browser-relay")})
    assert r.status == 200 and len(r.json()["keys"]) == 1
