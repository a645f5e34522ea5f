"""Black-box: occurrences per hour of an error group (issue 15): `GET /api/errors/{id}/histogram` and the list's
`histogram=24h`."""
import time


def report(h, message="m", exc="E"):
    r = h.request("error-tracker", "POST", "/api/errors",
                  {"project": "p", "exception_type": exc, "message": message, "traceback": "T"})
    assert r.status in (200, 201), r
    return r.json()["id"]


def test_histogram_counts_every_occurrence_not_only_the_kept_ones(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.max_occurrences": "2",
                                                        "error-tracker.rate_limit": "0"})
    a = None
    for _ in range(7):
        a = report(h, exc="A")
    b = report(h, exc="B")
    r = h.request("error-tracker", "GET", f"/api/errors/{a}/histogram")
    assert r.status == 200, r
    body = r.json()
    assert body["period"] == "24h" and body["interval"] == "1h" and body["total"] == 7
    assert len(body["buckets"]) == 24
    assert body["buckets"][-1]["count"] == 7 and sum(x["count"] for x in body["buckets"]) == 7
    hour_start = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime())
    assert body["buckets"][-1]["start"] in (hour_start, time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(time.time() - 5)))
    d = h.request("error-tracker", "GET", f"/api/errors/{a}/histogram?period=14d").json()
    assert d["interval"] == "1d" and len(d["buckets"]) == 14 and d["buckets"][-1]["count"] == 7
    assert d["buckets"][-1]["start"].endswith("T00:00:00Z")
    # the list carries 24 hourly counts per group when asked
    items = {e["id"]: e for e in h.request("error-tracker", "GET", "/api/errors?histogram=24h").json()["errors"]}
    assert items[a]["hourly"][-1] == 7 and sum(items[a]["hourly"]) == 7 and len(items[a]["hourly"]) == 24
    assert sum(items[b]["hourly"]) == 1
    assert "hourly" not in h.request("error-tracker", "GET", "/api/errors").json()["errors"][0]


def test_histogram_errors(host_factory):
    h = host_factory(plugins=["error-tracker"])
    a = report(h)
    assert h.request("error-tracker", "GET", "/api/errors/999/histogram").status == 404
    r = h.request("error-tracker", "GET", f"/api/errors/{a}/histogram?period=7d")
    assert r.status == 400 and "period" in r.json()["detail"]
    r = h.request("error-tracker", "GET", "/api/errors?histogram=1h")
    assert r.status == 400 and "histogram" in r.json()["detail"]
