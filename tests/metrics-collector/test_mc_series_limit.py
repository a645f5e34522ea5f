"""Bounded cardinality and exact metric values (issue 13 items 8 and 14; SPEC §0.8, §4.2)."""
from mc_helpers import PLUGIN, db, point, post, start
from monlight_test import http, run_host


def test_metric_values_beyond_uint64_are_invalid_never_wrapped(host_factory):
    # Poco 1.11 read 2^64 as 0 and 2^64+1 as 1, so such a value was stored as a small number.
    mc = start(host_factory)
    for literal in ("18446744073709551616", "18446744073709551617", "-9223372036854775809"):
        r = post(mc, '[{"name":"big","type":"gauge","value":%s}]' % literal,
                 headers={"Content-Type": "application/json"})
        assert (r.status, r.json()) == (400, {"detail": "Invalid JSON"}), literal
    r = post(mc, '[{"name":"big","type":"gauge","value":18446744073709551615}]',
             headers={"Content-Type": "application/json"})
    assert r.status == 202 and r.json()["count"] == 1
    con = db(mc)
    try:
        assert [v for (v,) in con.execute("SELECT value FROM metrics_raw")] == [18446744073709551615.0]
    finally:
        con.close()


def dropped_metric(h, plugin=PLUGIN):
    text = h.request(plugin, "GET", "/metrics").body.decode()
    for line in text.splitlines():
        if line.startswith('monlight_dropped_items_total{plugin="metrics-collector",reason="series_limit"} '):
            return float(line.split()[-1])
    return None


def raw_series(h, project):
    con = db(h)
    try:
        return con.execute("SELECT COUNT(*) FROM series WHERE is_rollup = 0 AND project = ?", (project,)).fetchone()[0]
    finally:
        con.close()


def test_new_series_beyond_the_limit_are_dropped_and_counted(host_factory):
    mc = start(host_factory, max_series_per_project=5)
    batch = [point("lat", 1, labels={"path": f"/p{i}"}, project="shop") for i in range(8)]
    r = post(mc, batch)
    assert (r.status, r.json()) == (202, {"status": "accepted", "count": 5, "dropped": 3})
    # known series are still accepted, new ones still dropped; another project has its own budget
    r = post(mc, [point("lat", 2, labels={"path": "/p0"}, project="shop"),
                  point("lat", 2, labels={"path": "/new"}, project="shop"),
                  point("lat", 2, labels={"path": "/new"}, project="blog")])
    assert (r.status, r.json()) == (202, {"status": "accepted", "count": 2, "dropped": 1})
    assert raw_series(mc, "shop") == 5 and raw_series(mc, "blog") == 1
    assert dropped_metric(mc) == 4
    warnings = [l for l in mc.log().splitlines() if "max_series_per_project" in l]
    assert len(warnings) == 1, warnings  # at most one a minute
    assert "shop" in warnings[0]

    # the limit holds across a restart (the known series are loaded at start)
    mc.stop()
    mc.start()
    r = post(mc, [point("lat", 3, labels={"path": "/p1"}, project="shop"),
                  point("lat", 3, labels={"path": "/again-new"}, project="shop")])
    assert (r.status, r.json()) == (202, {"status": "accepted", "count": 1, "dropped": 1})
    assert raw_series(mc, "shop") == 5


def test_public_browser_metrics_cannot_grow_series_without_bound(host_factory):
    # Four public requests used to create 2400 series; now the DSN key's project stops at the limit and the relay
    # answers 202 with the collector's count and dropped.
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config={"browser-relay.dsn_keys": "shop:shopseedkey0001",
                             "metrics-collector.max_series_per_project": "100"})
    total_dropped = 0
    for req in range(4):
        body = {"url": "https://shop.example.com/", "metrics": [
            {"name": "web_vitals_lcp", "type": "histogram", "value": 1, "labels": {"variant": f"r{req}-{i}"}}
            for i in range(600)]}
        r = http("POST", h.url("browser-relay") + "/api/browser/metrics", body,
                 {"X-Monlight-Key": "shopseedkey0001"}, timeout=60)
        assert r.status == 202, r
        answer = r.json()
        assert answer["status"] == "accepted" and answer["count"] + answer["dropped"] == 600
        total_dropped += answer["dropped"]
    assert total_dropped == 2300
    assert raw_series(h, "shop") == 100
    assert dropped_metric(h, "metrics-collector") == 2300


def test_limit_is_declared_in_help():
    out = run_host(["--help"])
    assert "metrics-collector.max_series_per_project" in out.stdout


def test_default_limit_is_ten_thousand_series(host_factory):
    mc = start(host_factory)
    answers = []
    for req in range(11):
        batch = [point("req", 1, typ="counter", labels={"id": f"{req}-{i}"}, project="shop") for i in range(1000)]
        r = post(mc, batch, timeout=60)
        assert r.status == 202, r
        answers.append(r.json())
    assert sum(a["count"] for a in answers) == 10000
    assert sum(a["dropped"] for a in answers) == 1000 and answers[-1]["dropped"] == 1000
    assert raw_series(mc, "shop") == 10000
