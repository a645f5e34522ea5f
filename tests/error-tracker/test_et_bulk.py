"""Black-box: bulk resolve / reopen (issue 15), `POST /api/errors/bulk` with ids or with the list's filters, on the
real host and its errors.db."""
import sqlite3

import pytest

ET = "error-tracker"


def report(h, exc, project="shop", environment=None, message="m"):
    body = {"project": project, "exception_type": exc, "message": message, "traceback": f"T {exc}"}
    if environment:
        body["environment"] = environment
    r = h.request(ET, "POST", "/api/errors", body)
    assert r.status in (200, 201), r
    return r.json()["id"]


def bulk(h, body, **kw):
    return h.request(ET, "POST", "/api/errors/bulk", body, **kw)


def states(h):
    """id → (resolved 0/1, resolved_at) read from the store itself (errors.db, or the schema error_tracker)."""
    if getattr(h, "pg", None):
        server, dbname = h.pg
        out = server.psql("SELECT id, resolved::int, coalesce(resolved_at::text, '') FROM error_tracker.errors",
                          dbname)
        rows = [line.split("|") for line in out.splitlines() if line]
        return {int(i): (int(r), int(at) if at else None) for i, r, at in rows}
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    try:
        return {i: (r, at) for i, r, at in con.execute("SELECT id, resolved, resolved_at FROM errors")}
    finally:
        con.close()


@pytest.fixture
def host(host_factory):
    return host_factory(plugins=[ET], config={"error-tracker.rate_limit": "0"})


def test_resolve_and_reopen_by_ids(host):
    h = host
    a, b, c = report(h, "A"), report(h, "B"), report(h, "C")
    r = bulk(h, {"action": "resolve", "ids": [a, b, 99999, a]})
    assert r.status == 200, r
    assert r.json() == {"status": "resolved", "matched": 2, "updated": 2, "remaining": 0}
    s = states(h)
    assert s[a][0] == 1 and s[b][0] == 1 and s[c][0] == 0
    assert s[a][1] is not None
    # resolving again changes nothing and keeps resolved_at
    again = bulk(h, {"action": "resolve", "ids": [a, c]}).json()
    assert again == {"status": "resolved", "matched": 2, "updated": 1, "remaining": 0}
    assert states(h)[a][1] == s[a][1]
    # the list sees it
    listed = {e["id"] for e in h.request(ET, "GET", "/api/errors").json()["errors"]}
    assert listed == set()
    r = bulk(h, {"action": "unresolve", "ids": [a, b]})
    assert r.json() == {"status": "unresolved", "matched": 2, "updated": 2, "remaining": 0}
    s = states(h)
    assert s[a] == (0, None) and s[b] == (0, None) and s[c][0] == 1


def test_resolve_all_matching_a_filter(host):
    h = host
    shop = [report(h, f"S{i}") for i in range(5)]
    other = [report(h, f"O{i}", project="billing") for i in range(3)]
    staging = report(h, "S0", environment="staging")
    r = bulk(h, {"action": "resolve", "filter": {"project": "shop", "environment": "prod"}})
    assert r.status == 200, r
    assert r.json() == {"status": "resolved", "matched": 5, "updated": 5, "remaining": 0}
    s = states(h)
    assert all(s[i][0] == 1 for i in shop)
    assert all(s[i][0] == 0 for i in other) and s[staging][0] == 0
    # search + resolved=all: the matching groups already in the wanted state are counted, not changed
    r = bulk(h, {"action": "resolve", "filter": {"search": "S0", "resolved": "all"}}).json()
    assert r == {"status": "resolved", "matched": 2, "updated": 1, "remaining": 0}
    assert states(h)[staging][0] == 1
    # reopen what the list shows as resolved for one project
    r = bulk(h, {"action": "unresolve", "filter": {"project": "shop", "resolved": "true"}}).json()
    assert r == {"status": "unresolved", "matched": 6, "updated": 6, "remaining": 0}
    # the default filter is the list's default: unresolved groups, so reopening them changes nothing
    r = bulk(h, {"action": "unresolve", "filter": {}}).json()
    assert r["updated"] == 0 and r["matched"] == 9
    # a search without any token matches nothing
    assert bulk(h, {"action": "resolve", "filter": {"search": "/"}}).json()["updated"] == 0
    assert all(v[0] == 0 for v in states(h).values())


def insert_groups(h, n):
    """n groups of project 'bulk' written into the store directly (last_seen 1000 + i)."""
    if getattr(h, "pg", None):
        server, dbname = h.pg
        server.psql("INSERT INTO error_tracker.errors (fingerprint, project, environment, exception_type, message, "
                    "traceback, source, count, first_seen, last_seen, resolved, tsv) "
                    "SELECT 'fp' || lpad(i::text, 5, '0'), 'bulk', 'prod', 'E', 'm', 't', 'server', 1, 1000 + i, 1000 + i, false, ''::tsvector "
                    f"FROM generate_series(0, {n - 1}) AS i", dbname)
        return
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    con.executemany("INSERT INTO errors (fingerprint, project, environment, exception_type, message, traceback, "
                    "source, count, first_seen, last_seen, resolved) VALUES (?, 'bulk', 'prod', 'E', 'm', 't', "
                    "'server', 1, ?, ?, 0)", [(f"fp{i:05d}", 1000 + i, 1000 + i) for i in range(n)])
    con.commit()
    con.close()


def test_a_filter_changes_at_most_1000_per_call(host):
    h = host
    insert_groups(h, 1203)
    r = bulk(h, {"action": "resolve", "filter": {"project": "bulk"}}).json()
    assert r == {"status": "resolved", "matched": 1203, "updated": 1000, "remaining": 203}
    # the newest groups went first
    s = states(h)
    newest = sorted(s, key=lambda i: -i)
    assert all(s[i][0] == 1 for i in newest[:1000]) and all(s[i][0] == 0 for i in newest[1000:])
    r = bulk(h, {"action": "resolve", "filter": {"project": "bulk"}}).json()
    assert r == {"status": "resolved", "matched": 203, "updated": 203, "remaining": 0}
    assert bulk(h, {"action": "resolve", "ids": list(range(1, 1002))}).status == 400


@pytest.mark.parametrize("body,detail", [
    ({"ids": [1]}, "Field 'action' must be \"resolve\" or \"unresolve\""),
    ({"action": "delete", "ids": [1]}, "Field 'action' must be \"resolve\" or \"unresolve\""),
    ({"action": "resolve"}, "Give exactly one of 'ids' and 'filter'"),
    ({"action": "resolve", "ids": [1], "filter": {}}, "Give exactly one of 'ids' and 'filter'"),
    ({"action": "resolve", "ids": []}, "Field 'ids' must be an array of 1-1000 error ids"),
    ({"action": "resolve", "ids": "1"}, "Field 'ids' must be an array of 1-1000 error ids"),
    ({"action": "resolve", "ids": [1, "2"]}, "Field 'ids' must be an array of 1-1000 error ids"),
    ({"action": "resolve", "ids": [0]}, "Field 'ids' must be an array of 1-1000 error ids"),
    ({"action": "resolve", "ids": [1.5]}, "Field 'ids' must be an array of 1-1000 error ids"),
    ({"action": "resolve", "ids": [True]}, "Field 'ids' must be an array of 1-1000 error ids"),
    ({"action": "resolve", "filter": []}, "Field 'filter' must be an object"),
    ({"action": "resolve", "filter": {"projcet": "shop"}}, "Invalid parameter: filter.projcet"),
    ({"action": "resolve", "filter": {"limit": "5"}}, "Invalid parameter: filter.limit"),
    ({"action": "resolve", "filter": {"project": 5}}, "Invalid parameter: filter.project"),
    ({"action": "resolve", "filter": {"resolved": "maybe"}}, "Invalid parameter: resolved"),
    ({"action": "resolve", "filter": {"since": "yesterday"}}, "Invalid parameter: since"),
    ({"action": "resolve", "filter": {"source": "mobile"}}, "Invalid parameter: source"),
    ([1, 2], "Request body must be a JSON object"),
])
def test_bad_input_is_refused_and_changes_nothing(host, body, detail):
    h = host
    a = report(h, "A")
    r = bulk(h, body)
    assert r.status == 400, r
    assert r.json() == {"detail": detail}
    assert states(h)[a][0] == 0


def test_bulk_needs_the_key_and_a_body(host):
    h = host
    a = report(h, "A")
    r = bulk(h, {"action": "resolve", "ids": [a]}, key=False)
    assert r.status == 401 and r.json() == {"detail": "Invalid API key"}
    r = bulk(h, {"action": "resolve", "ids": [a]}, headers={"X-API-Key": "wrong"})
    assert r.status == 401
    assert states(h)[a][0] == 0
    r = h.request(ET, "POST", "/api/errors/bulk", b"")
    assert r.status == 400 and r.json() == {"detail": "Empty request body"}
    r = h.request(ET, "POST", "/api/errors/bulk", b"{")
    assert r.status == 400 and r.json() == {"detail": "Invalid JSON"}
    # another filter value with characters a query string gives a meaning to
    r = bulk(h, {"action": "resolve", "filter": {"project": "a&project=shop"}}).json()
    assert r["matched"] == 0 and states(h)[a][0] == 0
