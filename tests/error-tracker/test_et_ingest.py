"""POST /api/errors: statuses, bodies, validation, limits (SPEC §2.2, §2.3, §0.7, §0.8)."""
import http.client as http_client
import json

import pytest

from et_helpers import PY_TB, count_rows, report
from monlight_test import http, VERSION



@pytest.fixture
def et(host_factory):
    return host_factory(plugins=["error-tracker"])


def post(h, body, headers=None):
    return h.request("error-tracker", "POST", "/api/errors", body, headers)


def test_created_incremented_reopened(et):
    r = post(et, report())
    assert r.status == 201
    assert r.body == b'{"status":"created","id":1,"fingerprint":"a2aa039023e9e993384f51f3268f2861","count":1}'
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    r = post(et, report(message="bad again"))
    assert r.status == 200
    assert r.json() == {"status": "incremented", "id": 1, "fingerprint": "a2aa039023e9e993384f51f3268f2861",
                        "count": 2}
    assert et.request("error-tracker", "POST", "/api/errors/1/resolve").status == 200
    r = post(et, report())
    assert r.status == 201
    assert r.json()["status"] == "reopened" and r.json()["count"] == 3
    d = et.request("error-tracker", "GET", "/api/errors/1").json()
    assert d["resolved"] is False and d["resolved_at"] is None and d["message"] == "bad"


def test_fingerprint_examples_end_to_end(et):
    js = ("TypeError: Cannot read properties of undefined (reading 'x')\n"
          "    at onClick (http://example.com/static/app.js:42:17)\n"
          "    at HTMLButtonElement.dispatch (http://example.com/static/vendor.js:2:100)")
    ff = "onClick@http://example.com/static/app.js:42:99\ndispatch@http://example.com/static/vendor.js:2:100"
    a = post(et, report(exception_type="TypeError", traceback=js, message="x")).json()
    b = post(et, report(exception_type="TypeError", traceback=ff, message="y")).json()
    assert a["fingerprint"] == b["fingerprint"] == "3a94d024ac9a9e741e08de3a0c770e41"
    assert b["status"] == "incremented" and a["id"] == b["id"]
    c = post(et, report(exception_type="Error", traceback="", message="Request 123 failed")).json()
    d = post(et, report(exception_type="Error", traceback="", message="Request 456 failed")).json()
    assert c["fingerprint"] == "a7409f81da5459361e11c342325bc6fd" and d["status"] == "incremented"
    e = post(et, report(project="e2e-test", exception_type="TestError",
                        traceback='Traceback:\n  File "/app/test.py", line 42, in test_func\nTestError: x')).json()
    assert e["fingerprint"] == "bfe948320647333075d782d84349909c"


def test_environment_splits_groups_and_defaults(et):
    a = post(et, report()).json()
    b = post(et, report(environment="staging")).json()
    assert a["id"] != b["id"] and a["fingerprint"] == b["fingerprint"]
    assert post(et, report(environment="")).json()["id"] == a["id"]  # empty → default prod
    envs = et.request("error-tracker", "GET", "/api/environments").json()
    assert envs == {"environments": ["prod", "staging"]}


@pytest.mark.parametrize("body,detail", [
    (b"", "Empty request body"),
    (b"   ", "Empty request body"),
    (b"{", "Invalid JSON"),
    (b'{"project":"p"} {}', "Invalid JSON"),
    (b'{"project":"\xff\xfe","exception_type":"E","message":"","traceback":""}', "Invalid JSON"),
    (b'{"project":"p","exception_type":"E","message":"","traceback":"","extra":{"n":1e400}}', "Invalid JSON"),
    (b"[]", "Request body must be a JSON object"),
    (b"{}", "Missing required field: project"),
    (b'{"project":null,"exception_type":"E","message":"","traceback":""}', "Missing required field: project"),
    (b'{"project":1,"exception_type":"E","message":"","traceback":""}', "Missing required field: project"),
    (b'{"project":"p","message":"","traceback":""}', "Missing required field: exception_type"),
    (b'{"project":"p","exception_type":"E","traceback":""}', "Missing required field: message"),
    (b'{"project":"p","exception_type":"E","message":""}', "Missing required field: traceback"),
    (b'{"project":"","exception_type":"E","message":"","traceback":""}', "Field 'project' must be 1-100 characters"),
    (json.dumps({"project": "p" * 101, "exception_type": "E", "message": "", "traceback": ""}).encode(),
     "Field 'project' must be 1-100 characters"),
    (json.dumps({"project": "p", "exception_type": "E" * 201, "message": "", "traceback": ""}).encode(),
     "Field 'exception_type' must be 1-200 characters"),
    (json.dumps({"project": "p", "exception_type": "E", "message": "", "traceback": "",
                 "environment": "e" * 51}).encode(), "Field 'environment' must be 1-50 characters"),
])
def test_validation_errors_store_nothing(et, body, detail):
    r = post(et, body)
    assert r.status == 400, r
    assert r.json() == {"detail": detail}
    assert count_rows(et) == 0 and count_rows(et, "error_occurrences") == 0


def test_deep_json_in_extra_rejected(et):
    deep = "[" * 100 + "]" * 100
    body = '{"project":"p","exception_type":"E","message":"","traceback":"","extra":%s}' % deep
    r = post(et, body)
    assert r.status == 400 and r.json() == {"detail": "Invalid JSON"}
    ok = '{"project":"p","exception_type":"E","message":"","traceback":"","extra":%s}' % ("[" * 30 + "]" * 30)
    assert post(et, ok).status == 201


def test_optional_fields_stored(et):
    r = post(et, report(request_url="/api/" + "u" * 3000, request_method="POST",
                        request_headers={"user-agent": "curl/8"}, user_id=42,
                        extra={"k": "v", "session_id": "sess-9"}))
    assert r.status == 201
    d = et.request("error-tracker", "GET", "/api/errors/1").json()
    o = d["occurrences"][0]
    assert list(o.keys()) == ["id", "timestamp", "request_url", "request_method", "request_headers", "user_id",
                              "session_id", "extra", "traceback"]
    assert len(o["request_url"]) == 2048
    assert o["request_headers"] == {"user-agent": "curl/8"}
    assert o["user_id"] == "42" and o["session_id"] == "sess-9"
    assert o["extra"] == {"k": "v", "session_id": "sess-9"}
    assert o["traceback"] == PY_TB and d["source"] == "server"


def test_browser_source(et):
    r = post(et, report(request_method="BROWSER"))
    d = et.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()
    assert d["source"] == "browser"


def test_huge_traceback_within_cap_accepted(et):
    tb = "x" * (250 * 1024)
    r = post(et, report(traceback=tb))
    assert r.status == 201
    d = et.request("error-tracker", "GET", "/api/errors/1").json()
    assert d["traceback"] == tb


def test_body_over_cap_is_413(et):
    body = json.dumps(report(traceback="x" * 262144)).encode()
    r = post(et, body)
    assert r.status == 413
    assert r.json() == {"detail": "Request body exceeds maximum size"}
    assert count_rows(et) == 0


def test_chunked_body_over_cap_is_413(et):
    conn = http_client.HTTPConnection("127.0.0.1", et.ports["error-tracker"], timeout=10)
    body = json.dumps(report(traceback="y" * 300000)).encode()

    def chunks():
        for i in range(0, len(body), 8192):
            yield body[i:i + 8192]
    try:
        conn.request("POST", "/api/errors", body=chunks(), encode_chunked=True,
                     headers={"X-API-Key": et.key("error-tracker"), "Transfer-Encoding": "chunked"})
        r = conn.getresponse()
        assert r.status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close while we are still sending
    finally:
        conn.close()
    assert count_rows(et) == 0


def test_chunked_body_within_cap_accepted(et):
    conn = http_client.HTTPConnection("127.0.0.1", et.ports["error-tracker"], timeout=10)
    body = json.dumps(report()).encode()
    try:
        conn.request("POST", "/api/errors", body=iter([body[:10], body[10:]]), encode_chunked=True,
                     headers={"X-API-Key": et.key("error-tracker"), "Transfer-Encoding": "chunked"})
        r = conn.getresponse()
        assert r.status == 201
    finally:
        conn.close()


def test_unicode_lengths_count_code_points(et):
    r = post(et, report(project="ä" * 100, message="ünïcödé ✓", environment="é" * 50))
    assert r.status == 201
    d = et.request("error-tracker", "GET", "/api/errors/1").json()
    assert d["project"] == "ä" * 100 and d["message"] == "ünïcödé ✓"


def test_auth_required(et):
    r = et.request("error-tracker", "POST", "/api/errors", report(), key=False)
    assert r.status == 401 and r.json() == {"detail": "Invalid API key"}
    r = et.request("error-tracker", "GET", "/api/errors", headers={"X-API-Key": "wrong"})
    assert r.status == 401
    assert count_rows(et) == 0


def test_content_type_not_checked(et):
    r = post(et, json.dumps(report()), headers={"Content-Type": "text/plain"})
    assert r.status == 201


def test_metrics_count_ingest_results(et):
    post(et, report())
    post(et, report())
    m = et.request("error-tracker", "GET", "/metrics")
    assert m.status == 200
    text = m.body.decode()
    assert 'monlight_errors_ingested_total{status="created"} 1' in text
    assert 'monlight_errors_ingested_total{status="incremented"} 1' in text


def test_health(et):
    r = http("GET", et.url("error-tracker") + "/health")
    assert r.status == 200
    assert r.json() == {"status": "ok", "service": "error-tracker", "version": VERSION}
