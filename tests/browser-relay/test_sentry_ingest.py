"""SPEC §11: Sentry-protocol ingest on the browser relay: recorded SDK bodies replayed byte for byte, DSNs,
auth forms, CORS, encodings and the answer."""
import json
import re

import pytest

from sentry_helpers import (FIXTURE_KEY, FIXTURE_NUMBER, FIXTURES, auth, encode, envelope, error_detail, errors,
                            index, logs, post, relay_metric, replay, seed_keys, start, wait_for)


@pytest.fixture
def host(host_factory, tmp_path):
    return start(host_factory, tmp_path)


def test_every_fixture_is_accepted_and_lands_where_a_user_looks(host):
    entries = index()
    assert len(entries) == 31
    for e in entries:
        status, headers, body = replay(host, e)
        assert status == 200, (e["file"], status, body)
        assert headers["content-type"].startswith("application/json")
        answer = json.loads(body)
        raw = (FIXTURES / e["file"]).read_text()
        first = json.loads(raw.split("\n", 1)[0])
        if e["file"].endswith(".json"):
            first = json.loads(raw)
        if "event_id" in first:
            assert answer == {"id": first["event_id"].replace("-", "")}, e["file"]
        else:
            assert answer == {}, e["file"]
        if "Origin" in e["headers"]:  # browsers: CORS on the answer, rate-limit headers readable
            assert headers["access-control-allow-origin"] == e["headers"]["Origin"]
            assert "X-Sentry-Rate-Limits" in headers["access-control-expose-headers"]

    groups = {(g["exception_type"], g["message"]): g for g in errors(host)}
    # sentry-python 2.x: a ZeroDivisionError with a Python traceback, and a message event
    zde = error_detail(host, groups[("ZeroDivisionError", "division by zero")]["id"])
    assert zde["project"] == "app" and zde["environment"] == "test" and zde["source"] == "server"
    assert zde["traceback"].startswith("Traceback (most recent call last):\n  File \"/srv/capture/py_client.py\"")
    assert zde["traceback"].endswith("ZeroDivisionError: division by zero")
    assert "    return 1 / x\n" in zde["traceback"]
    occ = zde["occurrences"][0]
    assert occ["extra"]["tags"]["tenant"] == "acme"
    assert occ["extra"]["release"] == "app@1.2.3" and occ["extra"]["platform"] == "python"
    assert re.fullmatch(r"[0-9a-f]{32}", occ["extra"]["event_id"])
    assert occ["extra"]["sdk"]["name"] == "sentry.python.flask" or occ["extra"]["sdk"]["name"].startswith("sentry.python")
    assert any(t == "Message" for t, _ in groups)
    # @sentry/browser: TypeError with a JavaScript stack, newest frame first, from the browser
    ty = [g for (t, m), g in groups.items() if t == "TypeError" and m.startswith("boom")]
    assert ty, groups.keys()
    d = error_detail(host, ty[0]["id"])
    assert d["source"] == "browser"
    lines = d["traceback"].split("\n")
    assert lines[0].startswith("TypeError: boom")
    assert lines[1].startswith("    at thrower (http://127.0.0.1:18234/bundle.js:31431:15)")
    assert d["occurrences"][0]["request_url"] == "http://127.0.0.1:18234/index.html"
    # @sentry/node: RangeError
    rng = error_detail(host, groups[("RangeError", "bad range 7")]["id"])
    assert rng["traceback"].startswith("RangeError: bad range 7\n    at f (/srv/jsn/n.mjs:4:")
    assert rng["environment"] == "test"
    # sentry-python 1.9 /store/
    assert relay_metric(host, "monlight_sentry_items_total", type="event", outcome="accepted") == 8

    # logs: one entry per record, attributes and trace id kept, source = the DSN project
    entries = logs(host)
    bob = [x for x in entries if x["message"] == "User bob logged in"]
    assert len(bob) == 1, [x["message"] for x in entries]
    assert bob[0]["container"] == "app" and bob[0]["level"] == "INFO"
    assert bob[0]["trace_id"] == "67c4ec63dcb54543a882797aa76ede07"
    attrs = bob[0]["attributes"]
    assert attrs["k"] == 1 and attrs["environment"] == "test" and attrs["release"] == "app@1.2.3"
    assert not any(k.startswith("sentry.") for k in attrs)
    assert relay_metric(host, "monlight_sentry_items_total", type="log", outcome="accepted") == 4
    # metrics, sessions, check-ins, client reports counted
    assert relay_metric(host, "monlight_sentry_items_total", type="trace_metric", outcome="accepted") == 4
    assert relay_metric(host, "monlight_sentry_items_total", type="session", outcome="counted") >= 4
    assert relay_metric(host, "monlight_sentry_items_total", type="check_in", outcome="counted") == 3
    assert http_ok(host)


def http_ok(h):
    return h.request("browser-relay", "GET", "/health", key=False).status == 200


PATH = f"/api/{FIXTURE_NUMBER}/envelope/"


def py_event(**extra):
    ev = {"event_id": "9f3c1c8e-4b1a-4d5e-8f00-0123456789ab", "platform": "python", "level": "error",
          "environment": "staging", "release": "svc@1",
          "exception": {"values": [{"type": "KeyError", "value": "'x'", "stacktrace": {"frames": [
              {"filename": "app.py", "abs_path": "/srv/app.py", "function": "main", "lineno": 3,
               "context_line": "    handle()  "}]}}]}}
    ev.update(extra)
    return ev


def event_envelope(ev, header=None):
    return envelope(header if header is not None else {"event_id": ev.get("event_id", "")},
                    [({"type": "event"}, json.dumps(ev).encode())])


def test_dsn_keys_carry_project_number_and_sentry_dsn(host_factory, tmp_path):
    h = start(host_factory, tmp_path, combined=True)
    keys = h.request("browser-relay", "GET", "/api/dsn-keys").json()["keys"]
    k = keys[-1]
    assert k["public_key"] == FIXTURE_KEY and k["project_number"] == 42
    port = h.ports["browser-relay"]
    assert k["sentry_dsn"] == f"http://{FIXTURE_KEY}@127.0.0.1:{port}/42"
    created = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "web"}).json()
    assert created["project_number"] == created["id"] == 43
    assert created["sentry_dsn"] == f"http://{created['public_key']}@127.0.0.1:{port}/43"
    # the combined listener keeps its prefix, and the DSN's ingest URL works there
    from monlight_test import http
    r = http("GET", h.url() + "/browser-relay/api/dsn-keys", headers={"X-API-Key": h.key("browser-relay")})
    assert r.status == 200, r
    dsn = r.json()["keys"][41]["sentry_dsn"]
    assert dsn == f"http://{FIXTURE_KEY}@127.0.0.1:{h.combined_port}/browser-relay/42"
    status, _, body = post(h.url(), "/browser-relay/api/42/envelope/", event_envelope(py_event()), auth())
    assert status == 200 and json.loads(body) == {"id": "9f3c1c8e4b1a4d5e8f000123456789ab"}
    assert [g["exception_type"] for g in errors(h)] == ["KeyError"]


def test_public_url_is_used_for_the_dsn(host_factory, tmp_path):
    h = start(host_factory, tmp_path, public_url="https://monlight.example.com/relay/")
    k = h.request("browser-relay", "GET", "/api/dsn-keys").json()["keys"][-1]
    assert k["sentry_dsn"] == f"https://{FIXTURE_KEY}@monlight.example.com/relay/42"


def test_auth_forms_and_paths(host):
    url = host.url("browser-relay")
    def body(n):  # a distinct event each time: a repeated event_id is one occurrence (§11.5 dedup)
        return event_envelope(py_event(event_id=f"{n:032x}"))
    # query key, X-Sentry-Auth, Authorization, envelope header dsn; with and without trailing slash; /store/
    assert post(url, PATH + f"?sentry_key={FIXTURE_KEY}&sentry_version=7", body(1))[0] == 200
    assert post(url, PATH.rstrip("/"), body(2), auth())[0] == 200
    assert post(url, PATH, body(3), {"Authorization": auth()["X-Sentry-Auth"]})[0] == 200
    dsn_body = event_envelope(py_event(event_id=f"{4:032x}"), {"event_id": f"{4:032x}",
                                                              "dsn": f"https://{FIXTURE_KEY}@o1.example/42"})
    assert post(url, PATH, dsn_body)[0] == 200
    status, _, answer = post(url, "/api/42/store", json.dumps(py_event()).encode(), auth())
    assert status == 200 and json.loads(answer) == {"id": "9f3c1c8e4b1a4d5e8f000123456789ab"}
    [g] = errors(host)
    assert g["count"] == 5 and g["environment"] == "staging"
    d = error_detail(host, g["id"])
    assert d["traceback"] == ("Traceback (most recent call last):\n  File \"/srv/app.py\", line 3, in main\n"
                              "    handle()\nKeyError: 'x'")


@pytest.mark.parametrize("path,headers", [
    (PATH, {}),                                                    # no key at all
    (PATH, auth("ffffffffffffffffffffffffffffffff")),              # unknown key
    ("/api/41/envelope/", auth()),                                 # key of another project number
])
def test_bad_key_is_403_with_disabled_rate_limit_and_stores_nothing(host, path, headers):
    status, h, body = post(host.url("browser-relay"), path, event_envelope(py_event()), headers)
    assert status == 403 and json.loads(body) == {"detail": "Invalid DSN key"}
    assert h["x-sentry-rate-limits"] == "3600::key:disabled"
    assert errors(host) == []


def test_deactivated_key_is_refused(host):
    keys = host.request("browser-relay", "GET", "/api/dsn-keys").json()["keys"]
    kid = [k for k in keys if k["public_key"] == FIXTURE_KEY][0]["id"]
    assert host.request("browser-relay", "DELETE", f"/api/dsn-keys/{kid}").status == 200
    assert post(host.url("browser-relay"), PATH, event_envelope(py_event()), auth())[0] == 403


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw", "br", "GZIP", "identity", ""])
def test_content_encodings(host, encoding):
    raw = event_envelope(py_event())
    if encoding == "deflate-raw":
        import zlib
        c = zlib.compressobj(wbits=-15)
        wire, header = c.compress(raw) + c.flush(), "deflate"
    else:
        wire, header = encode(raw, encoding.lower() if encoding.lower() not in ("identity",) else ""), encoding
    hdrs = auth()
    if header:
        hdrs["Content-Encoding"] = header
    status, _, body = post(host.url("browser-relay"), PATH, wire, hdrs)
    assert status == 200, body
    assert len(errors(host)) == 1


def test_unknown_encoding_is_415(host):
    status, _, body = post(host.url("browser-relay"), PATH, b"x", dict(auth(), **{"Content-Encoding": "zstd"}))
    assert status == 415 and json.loads(body) == {"detail": "Unsupported Content-Encoding: zstd"}


def test_chunked_body_without_content_length(host):
    status, _, body = post(host.url("browser-relay"), PATH, encode(event_envelope(py_event()), "gzip"),
                           dict(auth(), **{"Content-Encoding": "gzip"}), chunked=True)
    assert status == 200, body
    assert len(errors(host)) == 1


def test_cors_preflight_and_every_answer(host):
    from monlight_test import http
    origin = "https://app.example.com"
    r = http("OPTIONS", host.url("browser-relay") + PATH,
             headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                      "Access-Control-Request-Headers": "content-type, x-sentry-auth"})
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-headers"] == "content-type, x-sentry-auth"
    assert "POST" in r.headers["access-control-allow-methods"]
    # 2xx and 4xx both carry the CORS headers with the Sentry headers exposed
    for key, want in ((FIXTURE_KEY, 200), ("nope0000nope0000", 403)):
        status, h, _ = post(host.url("browser-relay"), PATH + f"?sentry_key={key}",
                            event_envelope(py_event()), {"Origin": origin, "Content-Type": "text/plain"})
        assert status == want
        assert h["access-control-allow-origin"] == origin and h["vary"] == "Origin"
        assert h["access-control-expose-headers"] == \
            "X-Sentry-Rate-Limits, Retry-After, X-Sentry-Error, X-Request-Id"
    # a disallowed origin is refused, nothing stored beyond the first
    status, _, _ = post(host.url("browser-relay"), PATH + f"?sentry_key={FIXTURE_KEY}",
                        event_envelope(py_event()), {"Origin": "https://evil.example.org"})
    assert status == 403
    assert errors(host)[0]["count"] == 1


def test_rate_limit_answers_429_with_sentry_headers(host_factory, tmp_path):
    h = start(host_factory, tmp_path, rate_limit=2)
    url = h.url("browser-relay")
    for n in range(2):
        assert post(url, PATH, event_envelope(py_event(event_id=f"{n:032x}")), auth())[0] == 200
    status, headers, body = post(url, PATH, event_envelope(py_event(event_id=f"{2:032x}")), auth())
    assert status == 429, body
    s = int(headers["retry-after"])
    assert 1 <= s <= 60 and headers["x-sentry-rate-limits"] == f"{s}::key:monlight"
    assert errors(h)[0]["count"] == 2


def test_unknown_items_and_bad_payloads_are_skipped_not_errors(host):
    ev = py_event()
    body = envelope({"event_id": "9f3c1c8e4b1a4d5e8f000123456789ab"}, [
        ({"type": "attachment", "filename": "a.txt"}, b"hello"),
        ({"type": "brand_new_thing"}, b"{}"),
        ({"type": "log"}, b"not json"),
        ({"type": "event"}, json.dumps(ev).encode()),
        ({"type": "client_report"}, json.dumps({"discarded_events": [
            {"reason": "queue_overflow", "category": "error", "quantity": 3}]}).encode()),
    ])
    status, _, answer = post(host.url("browser-relay"), PATH, body, auth())
    assert status == 200 and json.loads(answer) == {"id": "9f3c1c8e4b1a4d5e8f000123456789ab"}
    assert len(errors(host)) == 1
    assert relay_metric(host, "monlight_sentry_items_total", type="attachment", outcome="dropped") == 1
    assert relay_metric(host, "monlight_sentry_items_total", type="other", outcome="dropped") == 1
    assert relay_metric(host, "monlight_sentry_items_total", type="log", outcome="invalid") == 1
    assert relay_metric(host, "monlight_sentry_client_discarded_total", reason="queue_overflow",
                        category="error") == 3


def test_newline_framed_items(host):
    ev = py_event()
    body = (b'{"event_id":"9f3c1c8e4b1a4d5e8f000123456789ab"}\n{"type":"event"}\n' + json.dumps(ev).encode() +
            b'\n{"type":"session"}\n{"sid":"x"}')
    status, _, answer = post(host.url("browser-relay"), PATH, body, auth())
    assert status == 200, answer
    assert len(errors(host)) == 1
    assert relay_metric(host, "monlight_sentry_items_total", type="session", outcome="counted") == 1


def fresh(name):
    """A fixture envelope re-framed with every timestamp moved to now (the metrics collector keeps recent points
    only); everything else as recorded."""
    import time
    raw = (FIXTURES / name).read_bytes()
    lines = raw.split(b"\n")
    header, rest = lines[0], b"\n".join(lines[1:])
    items, pos = [], 0
    while pos < len(rest):
        nl = rest.find(b"\n", pos)
        ih = json.loads(rest[pos:nl])
        pos = nl + 1
        n = ih.pop("length", None)
        if n is None:
            end = rest.find(b"\n", pos)
            end = len(rest) if end < 0 else end
            payload, pos = rest[pos:end], end + 1
        else:
            payload, pos = rest[pos:pos + n], pos + n + 1
        items.append((ih, payload))
    now = time.time()

    def shift(o):
        if isinstance(o, dict):
            return {k: (now if k in ("timestamp", "start_timestamp", "end_timestamp") and isinstance(v, (int, float))
                        else shift(v)) for k, v in o.items()}
        if isinstance(o, list):
            return [shift(x) for x in o]
        return o
    return envelope(json.loads(header), [(ih, json.dumps(shift(json.loads(p))).encode()) for ih, p in items])


def vital(h, name, **labels):
    from sentry_helpers import metric
    r = metric(h, name, labels=",".join(f"{k}:{v}" for k, v in labels.items()), period="1h", resolution="minute")
    assert r.status == 200, r
    return [b for b in r.json()["data"]]


def test_web_vitals_from_transactions_and_spans(host):
    url = host.url("browser-relay")
    q = f"?sentry_key={FIXTURE_KEY}"
    # static lifecycle: a pageload transaction with measurements
    assert post(url, PATH + q, fresh("browser11.12.0-static-05-transaction.envelope"))[0] == 200
    lcp = vital(host, "web_vitals_lcp", page="/static.html", source="browser", project="app")
    assert [b["max"] for b in lcp] == [124]
    assert vital(host, "web_vitals_fcp", page="/static.html")[0]["max"] == 124
    assert abs(vital(host, "web_vitals_ttfb", page="/static.html")[0]["max"] - 10.7) < 0.01
    # stream lifecycle: the pageload segment (with url.full), then LCP/CLS spans that only name the segment
    assert post(url, PATH + q, fresh("browser11.12.0-stream-05-span.envelope"))[0] == 200
    assert post(url, PATH + q, fresh("browser11.12.0-stream-08-span.envelope"))[0] == 200
    assert vital(host, "web_vitals_fcp", page="/index.html", source="browser")[0]["max"] == 232
    assert vital(host, "web_vitals_lcp", page="/index.html", source="browser")[0]["max"] == 232
    assert vital(host, "web_vitals_cls", page="/index.html")[0]["count"] == 1
    # a server transaction without vitals is dropped, counted
    assert post(url, PATH, fresh("py2.68.0-04-transaction.envelope"), auth())[0] == 200
    assert relay_metric(host, "monlight_sentry_items_total", type="transaction", outcome="dropped") == 1


def test_trace_metrics_become_series(host):
    url = host.url("browser-relay")
    assert post(url, PATH, fresh("py2.68.0-06-trace_metric.envelope"), auth())[0] == 200
    from sentry_helpers import metric
    r = metric(host, "button.clicks", project="app", labels="page:home,environment:test,release:app@1.2.3",
               period="1h", resolution="minute")
    assert r.status == 200 and r.json()["type"] == "counter" and r.json()["data"][0]["sum"] == 2, r
    r = metric(host, "latency", project="app", period="1h", resolution="minute")
    assert r.json()["type"] == "histogram" and r.json()["data"][0]["max"] == 12.5
    assert metric(host, "queue.depth", project="app", period="1h").json()["data"][0]["last"] == 7
    # dropped attributes: server.address (cardinality) and sentry.* are not labels
    r = metric(host, "button.clicks", project="app", labels="server.address:vm", period="1h")
    assert r.json()["data"] == []


def test_host_per_ip_limit_does_not_apply_to_sentry_routes(host_factory, tmp_path):
    """A busy server app sends from one IP: only the relay's (DSN key, IP) and per-key limits apply (§0.6, §11.2),
    not `host.ip_rate_limit` of NONE-policy routes."""
    h = start(host_factory, tmp_path)
    h.stop()
    with open(h.config_path, "a") as f:
        f.write("host.ip_rate_limit = 3\n")
    h.start()
    for n in range(6):
        status, _, body = post(h.url("browser-relay"), PATH, event_envelope(py_event(event_id=f"{n:032x}")), auth())
        assert status == 200, body
    assert errors(h)[0]["count"] == 6


SPEC_MAP = {"version": 3, "file": "app.min.js", "sources": ["src/app.ts"], "names": ["handleClick"],
            "mappings": "AAAA;AACA,IAAIA",
            "sourcesContent": ["const a = 1;\nfunction handleClick() { throw new TypeError('x'); }\n"]}


def test_browser_event_stack_is_source_mapped_with_the_event_release(host):
    r = host.request("browser-relay", "POST", "/api/source-maps",
                     {"project": "app", "release": "web@2", "file_url": "/static/app.min.js",
                      "map_content": json.dumps(SPEC_MAP)})
    assert r.status == 201, r
    ev = {"event_id": "c" * 32, "platform": "javascript", "release": "web@2",
          "request": {"url": "https://shop.example.com/cart"},
          "exception": {"values": [{"type": "TypeError", "value": "x is undefined", "stacktrace": {"frames": [
              {"filename": "https://cdn.other.com/vendor.js", "function": "HTMLButtonElement.dispatch",
               "lineno": 1, "colno": 100},
              {"filename": "https://shop.example.com/static/app.min.js", "function": "n", "lineno": 2,
               "colno": 5}]}}]}}
    status, _, body = post(host.url("browser-relay"), PATH + f"?sentry_key={FIXTURE_KEY}", event_envelope(ev),
                           {"Origin": "https://app.example.com", "Content-Type": "text/plain;charset=UTF-8"})
    assert status == 200, body
    [g] = errors(host)
    d = error_detail(host, g["id"])
    assert d["source"] == "browser"
    assert d["traceback"] == ("TypeError: x is undefined\n    at handleClick (src/app.ts:2:5)\n"
                              "    at HTMLButtonElement.dispatch (https://cdn.other.com/vendor.js:1:100)")
    extra = d["occurrences"][0]["extra"]
    assert extra["original_stack"].split("\n")[1] == "    at n (https://shop.example.com/static/app.min.js:2:5)"
    assert extra["source_context"][0]["source"] == "src/app.ts" and extra["source_context"][0]["line"] == 2
    # another release has no map: the stack stays as sent
    ev2 = dict(ev, event_id="d" * 32, release="web@3")
    post(host.url("browser-relay"), PATH + f"?sentry_key={FIXTURE_KEY}", event_envelope(ev2))
    assert len(errors(host)) == 2


def test_unreachable_error_tracker_is_503_and_the_sdk_retries(host_factory, tmp_path):
    from monlight_test import free_port
    h = host_factory(plugins=["browser-relay"], config={
        "browser-relay.dsn_keys": f"app:{FIXTURE_KEY}", "browser-relay.cors_origins": "https://app.example.com",
        "browser-relay.error_tracker_url": f"http://127.0.0.1:{free_port()}",
        "browser-relay.metrics_collector_url": f"http://127.0.0.1:{free_port()}",
        "browser-relay.error_tracker_api_key": "k" * 16, "browser-relay.metrics_collector_api_key": "k" * 16,
        "browser-relay.forward_timeout_ms": "1000"})
    status, headers, body = post(h.url("browser-relay"), "/api/1/envelope/", event_envelope(py_event()),
                                 dict(auth(), Origin="https://app.example.com"))
    assert status == 503, body
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert int(headers["retry-after"]) > 0
    # items that need no target are still answered 200
    status, _, _ = post(h.url("browser-relay"), "/api/1/envelope/",
                        envelope({}, [({"type": "session"}, b'{"sid":"1"}')]), auth())
    assert status == 200


def test_http_forwarding_passes_the_trackers_refusals_through(host_factory, tmp_path):
    """§11.4 with the error tracker in another process (§5.11 http): its 429 makes the relay answer 429 with
    Retry-After and X-Sentry-Rate-Limits, and an event it refuses (here 413, over its body cap) is skipped and
    counted `invalid` (200, so the SDK does not resend it forever), not a 503."""
    upstream = host_factory(plugins=["error-tracker", "metrics-collector"],
                            config={"error-tracker.rate_limit": "2", "error-tracker.max_body_size": "1024"})
    relay = host_factory(plugins=["browser-relay"], config={
        "browser-relay.cors_origins": "https://app.example.com",
        "browser-relay.dsn_keys": seed_keys(),
        "browser-relay.rate_limit": "0",
        "browser-relay.error_tracker_url": upstream.url("error-tracker"),
        "browser-relay.error_tracker_api_key": upstream.key("error-tracker"),
        "browser-relay.metrics_collector_url": upstream.url("metrics-collector"),
        "browser-relay.metrics_collector_api_key": upstream.key("metrics-collector")})
    url = relay.url("browser-relay")
    refused = py_event(event_id="e" * 32, extra={"blob": "m" * 3000})  # a forwarded payload over the cap
    assert post(url, PATH, event_envelope(refused), auth())[0] == 200
    assert relay_metric(relay, "monlight_sentry_items_total", type="event", outcome="invalid") == 1
    assert post(url, PATH, event_envelope(py_event(event_id="f" * 32)), auth())[0] == 200
    status, headers, body = post(url, PATH, event_envelope(py_event(event_id="d" * 32)), auth())
    assert status == 429, body
    s = int(headers["retry-after"])
    assert 1 <= s <= 60 and headers["x-sentry-rate-limits"] == f"{s}::key:monlight"
    assert relay_metric(relay, "monlight_sentry_items_total", type="event", outcome="rate_limited") == 1
    assert [g["count"] for g in upstream.request("error-tracker", "GET", "/api/errors").json()["errors"]] == [1]
