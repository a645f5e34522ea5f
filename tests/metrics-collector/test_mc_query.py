"""Queries (§4.6–§4.8) against rollups and raw points, percentiles, label filters, group_by, Web Vitals."""
import math
import random

import pytest

from mc_helpers import get, now_ms, point, post, rollup_rows, start, wait_aggregated


@pytest.fixture
def mc(host_factory):
    return start(host_factory)


def exact(values, q):
    s = sorted(values)
    return s[math.floor(q * (len(s) - 1))]


def test_fresh_point_is_visible_at_once_in_the_open_minute(mc):
    assert post(mc, [point("fresh", 42, typ="gauge")]).status == 202
    body = get(mc, "/api/metrics?name=fresh&period=15m").json()
    assert body["type"] == "gauge" and body["resolution"] == "minute" and body["period"] == "15m"
    assert list(body.keys()) == ["name", "type", "resolution", "period", "from", "to", "data"]
    (bucket,) = body["data"]
    assert list(bucket.keys()) == ["bucket", "count", "sum", "min", "max", "avg", "last", "p50", "p95", "p99",
                                   "partial"]
    assert bucket["count"] == 1 and bucket["last"] == 42 and bucket["partial"] is True
    assert bucket["p50"] is None
    assert bucket["bucket"].endswith(":00Z")


def test_unknown_name_and_parameter_errors(mc):
    body = get(mc, "/api/metrics?name=nothing").json()
    assert body["type"] is None and body["data"] == [] and body["period"] == "24h"
    for query, detail in [("", "Missing required parameter: name"), ("name=a&period=5w", "Invalid parameter: period"),
                          ("name=a&period=400d", "Invalid parameter: period"),
                          ("name=a&resolution=day", "Invalid parameter: resolution"),
                          ("name=a&labels=nocolon", "Invalid parameter: labels"),
                          ("name=a&type=x", "Invalid parameter: type"),
                          ("name=a&since=notatime", "Invalid parameter: since")]:
        r = get(mc, "/api/metrics?" + query)
        assert r.status == 400 and r.json() == {"detail": detail}, query
    assert get(mc, "/api/metrics/labels").json() == {"detail": "Missing required parameter: name"}
    assert get(mc, "/api/dashboard?period=x").json() == {"detail": "Invalid parameter: period"}


def test_label_key_order_never_splits_a_series(mc):
    post(mc, [point("req", 1, typ="counter", labels={"b": 2, "a": 1}),
              point("req", 1, typ="counter", labels={"a": "1", "b": "2"}),
              point("req", 1, typ="counter", labels={"a": 1.0, "b": 2.0})])
    names = get(mc, "/api/metrics/names").json()["metrics"]
    assert [(n["name"], n["type"], n["series"]) for n in names] == [("req", "counter", 1)]
    assert get(mc, "/api/metrics/labels?name=req").json() == {"name": "req", "labels": {"a": ["1"], "b": ["2"]}}


def test_label_filter_is_a_subset_match_and_group_by_splits(mc):
    pts = []
    for ep, status, n in [("/a", 200, 5), ("/a", 500, 2), ("/b", 200, 3)]:
        pts += [point("hits", 1, typ="counter", labels={"endpoint": ep, "status": status, "session_id": "x"})] * n
    post(mc, pts)
    total = get(mc, "/api/metrics?name=hits&period=1h").json()["data"]
    assert sum(d["count"] for d in total) == 10
    only = get(mc, "/api/metrics?name=hits&period=1h&labels=endpoint:/a").json()["data"]
    assert sum(d["count"] for d in only) == 7
    both = get(mc, "/api/metrics?name=hits&period=1h&labels=endpoint:/a,status:500").json()["data"]
    assert sum(d["count"] for d in both) == 2
    dropped = get(mc, "/api/metrics?name=hits&period=1h&labels=session_id:x").json()["data"]
    assert dropped == []  # session_id is not part of rollup series
    grouped = get(mc, "/api/metrics?name=hits&period=1h&group_by=endpoint").json()
    assert "data" not in grouped and grouped["group_by"] == ["endpoint"]
    assert [(s["labels"], sum(d["count"] for d in s["data"])) for s in grouped["series"]] == [
        ({"endpoint": "/a"}, 7), ({"endpoint": "/b"}, 3)]
    limited = get(mc, "/api/metrics?name=hits&period=1h&group_by=endpoint,region&series_limit=1").json()
    assert [s["labels"] for s in limited["series"]] == [{"endpoint": "/a", "region": ""}]


def test_rollup_percentiles_match_exact_values(mc):
    rng = random.Random(5)
    now = now_ms()
    minute = (now // 60000) * 60000
    values = []
    batch = []
    # Three closed minutes a few minutes back (late points: folded by the next pass via dirty marks).
    for m in (4, 3, 2):
        for i in range(300):
            v = round(rng.lognormvariate(-1.5, 1.0), 6)
            values.append(v)
            batch.append(point("latency", v, minute - m * 60000 + i * 100))
    assert post(mc, batch[:500]).status == 202
    assert post(mc, batch[500:]).status == 202
    wait_aggregated(mc)
    rows = [r for r in rollup_rows(mc) if r[1] == "latency" and r[0] == 60]
    assert len(rows) == 3 and sum(r[4] for r in rows) == 900
    data = get(mc, "/api/metrics?name=latency&period=10m&resolution=minute").json()["data"]
    assert [d["count"] for d in data] == [300, 300, 300]
    assert all(d["partial"] is False for d in data)
    # One bucket covering all of them: merge across minute rows (same hour) or hour resolution over 2h.
    merged = get(mc, "/api/metrics?name=latency&period=2h&resolution=hour").json()["data"]
    assert sum(d["count"] for d in merged) == 900
    if len(merged) == 1:
        for key, q in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)]:
            x = exact(values, q)
            assert abs(merged[0][key] - x) <= 0.01 * x, (key, merged[0][key], x)
        assert merged[0]["min"] == min(values) and merged[0]["max"] == max(values)
        assert merged[0]["sum"] == pytest.approx(sum(values))


def test_dashboard_with_web_vitals(mc):
    pts = []
    for i in range(40):
        page = "/checkout" if i % 4 else "/"
        labels = {"source": "browser", "page": page, "session_id": f"s{i}"}
        pts.append(point("web_vitals_lcp", 1000 + 100 * i, labels=labels))
        pts.append(point("web_vitals_ttfb", 300, labels=labels))
    pts.append(point("web_vitals_lcp", 99999, labels={"source": "server"}))  # not a browser vital
    pts.append(point("http_requests_total", 3, typ="counter"))
    assert post(mc, {"project": "shop", "metrics": pts}).status == 202
    d = get(mc, "/api/dashboard?period=1h&project=shop").json()
    # the documented fields, then the range read and the timeseries' bucket size (issue 15)
    assert list(d.keys()) == ["period", "project", "summary", "top_metrics", "web_vitals", "from", "to", "resolution"]
    assert d["period"] == "1h" and d["project"] == "shop"
    assert d["summary"] == {"total_datapoints": 82, "distinct_metrics": 3, "series": 6}
    assert d["top_metrics"][0] == {"name": "web_vitals_lcp", "type": "histogram", "count": 41,
                                   "total": sum(1000 + 100 * i for i in range(40)) + 99999}
    v = d["web_vitals"]
    lcp = v["summary"]["lcp"]
    x = exact([1000 + 100 * i for i in range(40)], 0.75)
    assert abs(lcp["p75"] - x) <= 0.01 * x and lcp["count"] == 40 and lcp["rating"] == "needs-improvement"
    assert v["summary"]["ttfb"]["rating"] == "good"
    assert v["summary"]["inp"] == {"p75": None, "count": 0, "rating": "unknown"}
    assert sum(b["count"] for b in v["timeseries"]) == 80
    assert list(v["timeseries"][0].keys()) == ["bucket", "lcp", "inp", "cls", "fcp", "ttfb", "count"]
    assert [(p["page"], p["samples"]) for p in v["by_page"]] == [("/checkout", 60), ("/", 20)]
    # the share of samples per rating: 1000..2500 good, 2600..4000 needs improvement, 4100..4900 poor
    assert lcp["distribution"] == {"good": 16, "needs_improvement": 15, "poor": 9}
    assert (lcp["good_threshold"], lcp["poor_threshold"]) == (2500, 4000)
    # page= narrows the vitals to one page (the overview stays)
    one = get(mc, "/api/dashboard?period=1h&project=shop&page=/").json()
    assert one["page"] == "/" and [(p["page"], p["samples"]) for p in one["web_vitals"]["by_page"]] == [("/", 20)]
    assert one["web_vitals"]["summary"]["lcp"]["count"] == 10 and one["summary"] == d["summary"]
    assert get(mc, "/api/dashboard?project=other").json()["web_vitals"] is None


def test_resolution_auto_since_until_and_names(mc):
    post(mc, [point("cpu", 0.5, typ="gauge", labels={"host": "a"}), point("cpu", 0.7, typ="gauge", labels={"host": "b"})])
    assert get(mc, "/api/metrics?name=cpu&period=24h").json()["resolution"] == "minute"
    two_days = get(mc, "/api/metrics?name=cpu&period=2d").json()
    assert two_days["resolution"] == "hour" and two_days["from"].endswith(":00:00Z")
    (bucket,) = two_days["data"]
    assert bucket["count"] == 2 and bucket["min"] == 0.5 and bucket["max"] == 0.7 and bucket["partial"] is True
    since = get(mc, "/api/metrics?name=cpu&since=10m&resolution=minute").json()
    assert since["period"] is None and sum(d["count"] for d in since["data"]) == 2
    past = get(mc, "/api/metrics?name=cpu&since=2020-01-01&until=2020-01-02").json()
    assert past["data"] == [] and past["from"] == "2020-01-01T00:00:00Z" and past["to"] == "2020-01-02T00:00:00Z"
    names = get(mc, "/api/metrics/names").json()["metrics"]
    assert [(n["name"], n["type"], n["series"]) for n in names] == [("cpu", "gauge", 2)]
    assert names[0]["last_seen"].endswith("Z") and len(names[0]["last_seen"]) == 24
    assert get(mc, "/api/metrics/names?project=nope").json() == {"metrics": []}
