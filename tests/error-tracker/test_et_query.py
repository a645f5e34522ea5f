"""GET /api/errors, detail, resolve/unresolve, projects, environments (SPEC §2.4-§2.7)."""
import re

import pytest


@pytest.fixture
def et(host_factory):
    return host_factory(plugins=["error-tracker"], config={"error-tracker.max_occurrences": "3",
                                                       "error-tracker.rate_limit": "0"})


def post(h, **kw):
    body = {"project": "myapp", "exception_type": "ValueError", "message": "bad", "traceback": ""}
    body.update(kw)
    r = h.request("error-tracker", "POST", "/api/errors", body)
    assert r.status in (200, 201), r
    return r.json()


def get(h, path):
    return h.request("error-tracker", "GET", path)


TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_list_shape_and_defaults(et):
    post(et, message="m1")
    r = get(et, "/api/errors")
    assert r.status == 200
    body = r.json()
    assert list(body.keys()) == ["errors", "total", "limit", "offset"]
    assert body["total"] == 1 and body["limit"] == 50 and body["offset"] == 0
    e = body["errors"][0]
    assert list(e.keys()) == ["id", "fingerprint", "project", "environment", "exception_type", "message", "count",
                              "first_seen", "last_seen", "resolved", "resolved_at", "source"]
    assert TS.match(e["first_seen"]) and TS.match(e["last_seen"])
    assert e["resolved"] is False and e["resolved_at"] is None and e["environment"] == "prod"


def test_pagination_caps(et):
    for i in range(205):
        post(et, exception_type=f"E{i}")
    r = get(et, "/api/errors?limit=1000").json()
    assert r["limit"] == 200 and len(r["errors"]) == 200 and r["total"] == 205
    r = get(et, "/api/errors?limit=0&offset=-5").json()
    assert r["limit"] == 50 and r["offset"] == 0 and len(r["errors"]) == 50
    r = get(et, "/api/errors?limit=10&offset=200").json()
    assert len(r["errors"]) == 5 and r["offset"] == 200
    assert r["errors"][-1]["exception_type"] == "E0"  # newest first


def test_message_truncated_in_list_not_in_detail(et):
    post(et, message="x" * 1500)
    assert len(get(et, "/api/errors").json()["errors"][0]["message"]) == 1000
    assert len(get(et, "/api/errors/1").json()["message"]) == 1500


def test_filters(et):
    post(et, project="a", environment="prod")
    post(et, project="a", environment="staging", exception_type="Other")
    post(et, project="b", request_method="BROWSER", exception_type="JsError", extra={"session_id": "s-1"})
    assert get(et, "/api/errors?project=a").json()["total"] == 2
    assert get(et, "/api/errors?environment=staging").json()["errors"][0]["exception_type"] == "Other"
    assert get(et, "/api/errors?source=browser").json()["errors"][0]["project"] == "b"
    assert get(et, "/api/errors?source=server").json()["total"] == 2
    assert get(et, "/api/errors?session_id=s-1").json()["total"] == 1
    assert get(et, "/api/errors?session_id=nope").json()["total"] == 0
    assert get(et, "/api/errors?since=1h").json()["total"] == 3
    assert get(et, "/api/errors?until=2000-01-01").json()["total"] == 0
    assert get(et, "/api/errors?since=2000-01-01T00:00:00Z").json()["total"] == 3


@pytest.mark.parametrize("query,name", [("resolved=maybe", "resolved"), ("source=ios", "source"),
                                        ("since=tomorrow", "since"), ("until=x", "until"), ("sort=id", "sort")])
def test_invalid_parameters(et, query, name):
    r = get(et, "/api/errors?" + query)
    assert r.status == 400 and r.json() == {"detail": f"Invalid parameter: {name}"}


def test_resolved_filter_and_sort(et):
    a = post(et, exception_type="A")
    b = post(et, exception_type="B")
    post(et, exception_type="B")
    post(et, exception_type="C")
    et.request("error-tracker", "POST", f"/api/errors/{a['id']}/resolve")
    assert [e["exception_type"] for e in get(et, "/api/errors").json()["errors"]] == ["C", "B"]
    assert [e["exception_type"] for e in get(et, "/api/errors?resolved=true").json()["errors"]] == ["A"]
    assert get(et, "/api/errors?resolved=1").json()["total"] == 1
    assert get(et, "/api/errors?resolved=all").json()["total"] == 3
    assert [e["exception_type"] for e in get(et, "/api/errors?resolved=all&sort=first_seen").json()["errors"]] == \
        ["C", "B", "A"]
    assert get(et, "/api/errors?resolved=all&sort=count").json()["errors"][0]["id"] == b["id"]


def test_search(et):
    post(et, exception_type="ConnectionRefusedError", message="database unreachable at db:5432")
    post(et, exception_type="KeyError", message="missing key 'user'", traceback='File "/srv/auth.py", line 7')
    def hits(q):
        return [e["exception_type"] for e in get(et, "/api/errors?search=" + q).json()["errors"]]
    assert hits("unreachable") == ["ConnectionRefusedError"]
    assert hits("unreach*") == ["ConnectionRefusedError"]
    assert hits("auth") == ["KeyError"]  # traceback is indexed
    assert hits("missing+user") == ["KeyError"]
    assert hits("missing+database") == []
    assert hits("database+%2F") == ["ConnectionRefusedError"]  # token-less term ignored
    assert hits("%2F") == []
    assert hits("%22%28+AND+OR+NOT+*") == []  # FTS syntax is never interpreted
    r = get(et, "/api/errors?search=%22unbalanced")
    assert r.status == 200
    # A NUL separates terms (found by fuzz/et_search_fuzzer: it cut the FTS5 phrase short, a syntax error).
    assert hits("missing%00user") == ["KeyError"]
    assert hits("unreach%00*") == []


def test_detail_and_occurrences(et):
    for i in range(5):
        post(et, user_id=f"u{i}", request_url="/x", request_method="GET")
    d = get(et, "/api/errors/1").json()
    assert list(d.keys()) == ["id", "fingerprint", "project", "environment", "exception_type", "message",
                              "traceback", "count", "first_seen", "last_seen", "resolved", "resolved_at", "source",
                              "occurrences"]
    assert d["count"] == 5
    assert [o["user_id"] for o in d["occurrences"]] == ["u4", "u3", "u2"]  # max_occurrences = 3, newest first
    assert d["occurrences"][0]["request_headers"] is None and d["occurrences"][0]["extra"] is None


@pytest.mark.parametrize("ident", ["0", "abc", "-1", "1e2", "9999999999999999999", "99999999", "%31"])
def test_unknown_or_invalid_id_is_404(et, ident):
    post(et)
    for method, path in [("GET", f"/api/errors/{ident}"), ("POST", f"/api/errors/{ident}/resolve"),
                         ("POST", f"/api/errors/{ident}/unresolve")]:
        r = et.request("error-tracker", method, path)
        assert r.status == 404 and r.json() == {"detail": "Error not found"}, (method, path, r)


def test_leading_zero_id_and_trailing_slash(et):
    post(et)
    assert get(et, "/api/errors/001").json()["id"] == 1
    assert get(et, "/api/errors/").status == 200


def test_resolve_unresolve(et):
    post(et)
    r = et.request("error-tracker", "POST", "/api/errors/1/resolve")
    assert r.status == 200 and r.body == b'{"status":"resolved","id":1}'
    first = get(et, "/api/errors/1").json()["resolved_at"]
    assert TS.match(first)
    r = et.request("error-tracker", "POST", "/api/errors/1/resolve", b"ignored body")
    assert r.status == 200 and get(et, "/api/errors/1").json()["resolved_at"] == first
    r = et.request("error-tracker", "POST", "/api/errors/1/unresolve")
    assert r.status == 200 and r.body == b'{"status":"unresolved","id":1}'
    d = get(et, "/api/errors/1").json()
    assert d["resolved"] is False and d["resolved_at"] is None
    assert et.request("error-tracker", "POST", "/api/errors/1/unresolve").status == 200


def test_projects_and_environments(et):
    post(et, project="myapp", environment="staging")
    post(et, project="billing")
    post(et, project="Zed", environment="dev")
    et.request("error-tracker", "POST", "/api/errors/2/resolve")
    assert get(et, "/api/projects").body == b'{"projects":["Zed","billing","myapp"]}'
    assert get(et, "/api/environments").json() == {"environments": ["dev", "prod", "staging"]}
    assert get(et, "/api/environments?project=myapp").json() == {"environments": ["staging"]}


def test_wrong_method_and_unknown_path(et):
    r = et.request("error-tracker", "DELETE", "/api/errors")
    assert r.status == 405
    assert r.json() == {"detail": "Method not allowed"}
    assert et.request("error-tracker", "GET", "/api/nothing").status == 404


def test_test_alert_without_channels(et):
    r = et.request("error-tracker", "POST", "/api/test-alert")
    assert r.status == 503 and r.json() == {"detail": "No alert channel configured"}


def test_head_returns_headers_only(et):
    post(et)
    r = et.request("error-tracker", "HEAD", "/api/errors")
    assert r.status == 200 and r.body == b""
    assert r.headers["content-type"].startswith("application/json")


def test_rate_limit_per_key(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.rate_limit": "3"})
    body = {"project": "p", "exception_type": "E", "message": "", "traceback": ""}
    statuses = [h.request("error-tracker", "POST", "/api/errors", body).status for _ in range(4)]
    assert statuses == [201, 200, 200, 429]
    # reads (the UI) count in their own window of the same size, so the application's reports never starve it
    assert [h.request("error-tracker", "GET", "/api/errors").status for _ in range(3)] == [200, 200, 200]
    r = h.request("error-tracker", "GET", "/api/errors")
    assert r.status == 429 and r.json()["detail"] == "Rate limit exceeded"


def test_combined_listener_prefix(host_factory):
    from monlight_test import http
    h = host_factory(plugins=["error-tracker"], combined=True)
    key = {"X-API-Key": h.key("error-tracker")}
    body = {"project": "p", "exception_type": "E", "message": "", "traceback": ""}
    r = http("POST", h.url() + "/error-tracker/api/errors", body, key)
    assert r.status == 201
    r = http("GET", h.url() + "/error-tracker/api/errors/1", headers=key)
    assert r.status == 200 and r.json()["exception_type"] == "E"
    assert http("GET", h.url("error-tracker") + "/api/errors/1", headers=key).json()["id"] == 1
