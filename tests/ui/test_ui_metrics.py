"""Metrics collector UI in a real headless Chromium: cards, explorer chart and table, group-by, Web Vitals."""
import time

from uihelpers import assert_clean, enter_key


def post(h, items):
    r = h.request("metrics-collector", "POST", "/api/metrics", {"metrics": items})
    assert r.status == 202, r
    return r.json()


def wait_datapoints(h, n, timeout=15):
    """Points of past minutes count once the first aggregation pass (5 s after start) has run (SPEC 4.6)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = h.request("metrics-collector", "GET", "/api/dashboard").json()
        if d["summary"]["total_datapoints"] >= n:
            return
        time.sleep(0.2)
    raise AssertionError(f"dashboard never reached {n} datapoints: {d}")


def avoid_minute_boundary(margin=30):
    """The test expects the newest point's minute to still be open (partial) when the page shows it; start early
    enough in a minute that the page is checked before that minute closes."""
    into = time.time() % 60
    if into > 60 - margin:
        time.sleep(60 - into + 0.5)


def test_dashboard_explorer_and_vitals(host_factory, page):
    avoid_minute_boundary()
    h = host_factory(plugins=["metrics-collector"], config={"metrics-collector.rate_limit": "0",
                                                            "metrics-collector.aggregation_interval": "1"})
    now = time.time()
    items = []
    for i in range(3):
        ts = now - 120 + i * 60
        items.append({"name": "http_requests_total", "type": "counter", "value": 1 + i, "timestamp": ts,
                      "project": "shop", "labels": {"method": "GET", "status": "200"}})
        items.append({"name": "http_requests_total", "type": "counter", "value": 2, "timestamp": ts,
                      "project": "shop", "labels": {"method": "POST", "status": "500"}})
        items.append({"name": "queue_depth", "type": "gauge", "value": 10 + i, "timestamp": ts, "project": "shop"})
        items.append({"name": "request_seconds", "type": "histogram", "value": 0.1 * (i + 1), "timestamp": ts,
                      "project": "shop"})
    for page_path, lcp in (("/checkout", 5000), ("/", 1200)):
        for v, val in (("lcp", lcp), ("inp", 150), ("cls", 0.02), ("fcp", 900), ("ttfb", 300)):
            items.append({"name": f"web_vitals_{v}", "type": "histogram", "value": val, "project": "shop",
                          "labels": {"source": "browser", "page": page_path}})
    post(h, items)
    wait_datapoints(h, 22)

    page.goto(h.url("metrics-collector") + "/")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelector('.c-datapoints').textContent === '22'")
    assert page.text(".c-metrics") == "8"
    page.wait("document.querySelector('.health-dot').classList.contains('ok')")
    # top metrics table
    page.wait("document.querySelectorAll('tr.top-row').length === 8")
    # explorer picks the first non-vitals metric: http_requests_total (counter): charted as the sum per bucket
    # (issue 15: the number of requests is the sum of the increments, not their average or count)
    page.wait("document.querySelectorAll('.x-chart svg .chart-series').length === 1")
    assert page.eval("[...document.querySelectorAll('.x-chart .chart-series')].map(g => g.dataset.name)") == ["sum"]
    assert "name=http_requests_total" in page.url()
    assert page.count(".x-table tr.bucket-row") == 3
    sums = page.eval("[...document.querySelectorAll('.x-table tr.bucket-row td[data-label=Sum]')].map(td => td.textContent)")
    assert sums == ["5", "4", "3"], sums  # newest first: (3+2), (2+2), (1+2)
    # the current minute's bucket is partial → dashed segment
    assert page.count(".x-chart path.line-partial") >= 1

    # label chip filters the series
    page.wait("document.querySelectorAll('.x-label-key option').length === 3")
    page.select(".x-label-key", "method")
    page.eval("document.querySelector('.x-label-value').value='POST'")
    page.click(".x-label-add")
    page.wait("document.querySelectorAll('.x-chips .chip').length === 1")
    assert "labels=method%3APOST" in page.url()
    page.wait("[...document.querySelectorAll('.x-table tr.bucket-row td[data-label=Avg]')].every(td => td.textContent === '2')")

    # group by status: one line per group
    page.click(".chip-remove")
    page.select(".x-group", "status")
    page.wait("document.querySelectorAll('.x-chart .chart-series').length === 2 && "
              "[...document.querySelectorAll('.x-chart .chart-series')].every(g => g.dataset.name.startsWith('status=') "
              "&& g.dataset.name.endsWith(' sum'))")

    # a histogram shows p50/p95/p99
    page.select(".x-name", "request_seconds|histogram")
    page.wait("[...document.querySelectorAll('.x-chart .chart-series')].map(g => g.dataset.name).join() === 'p50,p95,p99'")

    # Web Vitals: five cards with ratings, by-page table
    page.wait("!document.querySelector('.vitals').classList.contains('hidden')")
    assert page.count(".vitals-cards .vital") == 5
    assert page.eval("document.querySelector('.vital-inp').classList.contains('good')")
    rows = page.eval("[...document.querySelectorAll('tr.vitals-page')].map(r => [r.cells[0].textContent, r.cells[1].className])")
    assert sorted(rows) == [["/", "num good"], ["/checkout", "num poor"]]
    assert page.count(".vitals-chart svg .chart-series") == 4
    # CLS has a trend too (its own unitless axis), and no trend line uses a rating colour
    assert page.count(".vitals-cls-chart svg .chart-series") == 1
    strokes = page.eval("[...document.querySelectorAll('.vitals .chart-series path, .vitals .chart-series circle')]"
                       ".map(p => p.getAttribute('stroke') || p.getAttribute('fill'))")
    rating_colours = page.eval("['--green', '--amber', '--red'].map(v => getComputedStyle(document.documentElement)"
                               ".getPropertyValue(v).trim().toLowerCase())")
    assert strokes and not set(s.lower() for s in strokes) & set(rating_colours), (strokes, rating_colours)
    assert not set(s.lower() for s in strokes) & {"#3fb950", "#d29922", "#f85149"}, strokes

    # the project filter is part of the state
    page.wait("document.querySelectorAll('.f-project option').length === 2")
    page.select(".f-project", "shop")
    page.wait("location.search.includes('project=shop')")
    assert_clean(page)


def test_vitals_hidden_without_data(host_factory, page):
    h = host_factory(plugins=["metrics-collector"])
    post(h, [{"name": "jobs_total", "type": "counter", "value": 1}])
    page.goto(h.url("metrics-collector") + "/?period=1h&refresh=5")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelector('.c-datapoints').textContent === '1'")
    assert page.eval("document.querySelector('.f-refresh').value") == "5"
    # auto-refresh (5 s) picks up a new point
    post(h, [{"name": "jobs_total", "type": "counter", "value": 1}])
    page.wait("document.querySelector('.c-datapoints').textContent === '2'", timeout=8)
    assert page.eval("document.querySelector('.vitals').classList.contains('hidden')")
    assert page.eval("document.querySelector('.f-period').value") == "1h"
    # an invalid period is reported, not sent
    page.fill(".f-period", "yesterday")
    page.wait("document.querySelector('.ml-banner').textContent.startsWith('Period must look like')")
    assert_clean(page)


def test_switching_project_drops_a_metric_the_project_does_not_have(host_factory, page):
    h = host_factory(plugins=["metrics-collector"], config={"metrics-collector.rate_limit": "0"})
    post(h, [{"name": "orders_total", "type": "counter", "value": 1, "project": "shop"},
             {"name": "jobs_total", "type": "counter", "value": 1, "project": "batch"}])
    wait_datapoints(h, 2)
    page.goto(h.url("metrics-collector") + "/?project=shop&name=orders_total&type=counter")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelector('.x-name').value === 'orders_total|counter'")
    page.wait("document.querySelectorAll('.f-project option').length === 3")
    page.select(".f-project", "batch")
    page.wait("document.querySelector('.x-name').value === 'jobs_total|counter'")
    assert "name=jobs_total" in page.url() and "orders_total" not in page.url()
    assert page.eval("[...document.querySelectorAll('.x-name option')].map(o => o.value)") == ["", "jobs_total|counter"]
    assert_clean(page)
