"""Metrics collector UI in a real headless Chromium: cards, the uPlot explorer chart (crosshair tooltip with every
series, legend hide/solo, drag-to-zoom setting the shared time range, counters as sum or rate, y-axis unit, round
time ticks) and its table, group-by, the Web Vitals page (threshold bands, distribution, sortable by-page table with
drill-down), and a keyboard-only walk."""
import time

from monlight_test import http
from uihelpers import assert_clean, enter_key

RATING_COLOURS = {"rgb(63, 185, 80)", "rgb(210, 153, 34)", "rgb(248, 81, 73)"}  # --green, --amber, --red


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


def key(page, name, code, vk, shift=False):
    mods = 8 if shift else 0
    down = {"type": "rawKeyDown", "key": name, "code": code, "windowsVirtualKeyCode": vk, "modifiers": mods}
    if name == "Enter":  # a key with text: activates buttons like a real key press
        down.update(type="keyDown", text="\r", unmodifiedText="\r")
    page.send("Input.dispatchKeyEvent", down)
    page.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": code,
                                         "windowsVirtualKeyCode": vk, "modifiers": mods})


def plot_box(page, chart):
    """Viewport rectangle of a chart's plotting area (uPlot's .u-over)."""
    page.eval(f"document.querySelector('{chart}').scrollIntoView({{block: 'center'}})")
    return page.eval(f"(() => {{ const r = document.querySelector('{chart} .u-over').getBoundingClientRect();"
                     f" return [r.left, r.top, r.width, r.height]; }})()")


def mouse(page, kind, x, y, buttons=0, button="none"):
    page.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": button, "buttons": buttons,
                                           "clickCount": 1 if kind != "mouseMoved" else 0})


def legend(page, chart=".x-chart"):
    return page.eval(f"[...document.querySelectorAll('{chart} .legend-item')].map(b => [b.textContent, "
                     f"b.getAttribute('aria-pressed')])")


def seed(h):
    now = time.time()
    items = []
    for i in range(3):
        ts = now - 180 + i * 60
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


def test_explorer_chart_tooltip_legend_zoom_and_rate(host_factory, page):
    h = host_factory(plugins=["metrics-collector"], config={"metrics-collector.rate_limit": "0",
                                                            "metrics-collector.aggregation_interval": "1"})
    seed(h)
    page.goto(h.url("metrics-collector") + "/")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelector('.c-datapoints').textContent === '22'")
    assert page.text(".c-metrics") == "8"
    page.wait("document.querySelector('.health-dot').classList.contains('ok')")
    page.wait("document.querySelectorAll('tr.top-row').length === 8")
    # uPlot is embedded (static/vendor), not fetched from elsewhere
    assert page.eval("typeof uPlot") == "function"
    for name, kind in (("uPlot.iife.min.js", "text/javascript"), ("uPlot.min.css", "text/css")):
        r = http("GET", h.url("metrics-collector") + "/static/vendor/" + name)
        assert r.status == 200 and r.headers["content-type"].startswith(kind) and len(r.body) > 1000, (name, r)
        assert b"uPlot is not embedded" not in r.body
    assert page.eval("[...document.scripts].every(s => !s.src || s.src.startsWith(location.origin))")
    # explorer picks http_requests_total (counter): charted as the sum per bucket; no range chosen → it fits the data
    page.wait("document.querySelector('.x-chart .uplot canvas')")
    assert legend(page) == [["sum per bucket", "true"]]
    assert "name=http_requests_total" in page.url() and "since=" not in page.url()
    assert page.text(".x-note") == "Auto range: the data of the last 24h"
    xs = page.eval("(() => { const u = document.querySelector('.x-chart')._mlPlot;"
                   " return [u.scales.x.min, u.scales.x.max, u.data[0][0], u.data[0][u.data[0].length - 1]]; })()")
    assert xs[0] == xs[2] and xs[1] == xs[3], xs  # the x-axis spans the data, not an empty day
    sums = page.eval("[...document.querySelectorAll('.x-table tr.bucket-row td[data-label=Sum]')].map(td => td.textContent)")
    assert sums == ["5", "4", "3"], sums  # newest first: (3+2), (2+2), (1+2)
    # round time ticks: equal steps of a round number of seconds, every tick on a multiple of the step
    ticks = page.eval("document.querySelector('.x-chart')._mlPlot.axes[0]._splits")
    step = ticks[1] - ticks[0]
    assert step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600), ticks
    assert all(t % step == 0 for t in ticks), ticks

    # counters as a rate: the sum per bucket divided by the bucket's seconds (minute buckets here)
    page.select(".x-agg", "rate")
    page.wait("document.querySelector('.x-chart .legend-item') && "
              "document.querySelector('.x-chart .legend-item').textContent === 'rate per second'")
    assert "agg=rate" in page.url()
    rates = page.eval("[...document.querySelectorAll('.x-table tr.bucket-row td[data-label=\"Rate /s\"]')].map(td => td.textContent)")
    assert rates == ["0.0833", "0.0667", "0.05"], rates
    assert page.eval("document.querySelector('.x-chart')._mlPlot.axes[1].values(null, [0.05])") == ["0.05 /s"]
    page.select(".x-agg", "sum")
    page.wait("document.querySelector('.x-chart .legend-item').textContent === 'sum per bucket'")

    # group by status: one line per group; the crosshair tooltip lists both
    page.select(".x-group", "status")
    page.wait("document.querySelectorAll('.x-chart .legend-item').length === 2")
    assert sorted(n for n, _ in legend(page)) == ["status=200 sum", "status=500 sum"]
    x, y, w, hh = plot_box(page, ".x-chart")
    mouse(page, "mouseMoved", x + w * 0.5, y + hh * 0.5)
    page.wait("!document.querySelector('.x-chart .chart-tip').classList.contains('hidden')")
    rows = page.eval("[...document.querySelectorAll('.x-chart .chart-tip .tip-row')].map(r => r.textContent)")
    assert len(rows) == 2 and {r.split(" sum")[0] for r in rows} == {"status=200", "status=500"}, rows
    assert page.eval("/^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$/.test(document.querySelector('.x-chart .tip-time').textContent)")
    mouse(page, "mouseMoved", x - 30, y - 30)  # leaving the plot hides it
    page.wait("document.querySelector('.x-chart .chart-tip').classList.contains('hidden')")

    # legend: a click hides a series, Shift+click shows it alone, again shows all
    page.click(".x-chart .legend-item[data-i='0']")
    page.wait("document.querySelector('.x-chart .legend-item[data-i=\"0\"]').getAttribute('aria-pressed') === 'false'")
    assert page.eval("document.querySelector('.x-chart')._mlPlot.series.map(s => s.show)") == [True, False, True]
    page.click(".x-chart .legend-item[data-i='0']")
    page.eval("document.querySelector('.x-chart .legend-item[data-i=\"1\"]').dispatchEvent("
              "new MouseEvent('click', {bubbles: true, shiftKey: true}))")
    assert page.eval("document.querySelector('.x-chart')._mlPlot.series.map(s => s.show)") == [True, False, True]
    assert [p for _, p in legend(page)] == ["false", "true"]
    page.eval("document.querySelector('.x-chart .legend-item[data-i=\"1\"]').dispatchEvent("
              "new MouseEvent('click', {bubbles: true, shiftKey: true}))")
    assert page.eval("document.querySelector('.x-chart')._mlPlot.series.map(s => s.show)") == [True, True, True]

    # a histogram shows p50/p95/p99/avg, with the unit of its name (_seconds) on the y-axis
    page.select(".x-name", "request_seconds|histogram")
    page.wait("[...document.querySelectorAll('.x-chart .legend-item')].map(b => b.textContent).join() === 'p50,p95,p99,avg'")
    assert page.eval("document.querySelector('.x-chart')._mlPlot.axes[1].values(null, [0.2, 1])") == ["0.2 s", "1 s"]

    # drag across the plot: the time range becomes that span (absolute since/until in the URL) and is fetched
    x, y, w, hh = plot_box(page, ".x-chart")
    mouse(page, "mouseMoved", x + w * 0.2, y + hh / 2)
    mouse(page, "mousePressed", x + w * 0.2, y + hh / 2, buttons=1, button="left")
    mouse(page, "mouseMoved", x + w * 0.5, y + hh / 2, buttons=1)
    mouse(page, "mouseMoved", x + w * 0.8, y + hh / 2, buttons=1)
    # uPlot applies pointer moves on the next animation frame: release once the selection is drawn
    page.wait("document.querySelector('.x-chart')._mlPlot.select.width > 0.5 * document.querySelector('.x-chart .u-over').clientWidth")
    mouse(page, "mouseReleased", x + w * 0.8, y + hh / 2, button="left")
    page.wait("new URLSearchParams(location.search).has('until')")
    q = page.eval("Object.fromEntries(new URLSearchParams(location.search))")
    since, until = q["since"], q["until"]
    span = page.eval(f"Date.parse('{until}') - Date.parse('{since}')")
    assert 0 < span < 3 * 60 * 1000, (since, until)
    page.wait(f"(() => {{ const u = document.querySelector('.x-chart')._mlPlot; return u && "
              f"Math.abs(u.scales.x.min * 1000 - Date.parse('{since}')) < 1 && "
              f"Math.abs(u.scales.x.max * 1000 - Date.parse('{until}')) < 1; }})()")
    assert "→" in page.text(".ml-tr-label")
    assert page.eval("[...document.querySelectorAll('.ml-tr-preset')].every(b => b.getAttribute('aria-pressed') === 'false')")
    # the project filter is part of the state and keeps the range
    page.wait("document.querySelectorAll('.f-project option').length === 2")
    page.select(".f-project", "shop")
    page.wait("location.search.includes('project=shop')")
    assert "until=" in page.url()
    # a preset replaces the zoomed range
    page.click(".ml-tr-preset[data-since='1h']")
    page.wait("new URLSearchParams(location.search).get('since') === '1h' && !location.search.includes('until')")
    page.wait("document.querySelector('.ml-tr-preset[data-since=\"1h\"]').getAttribute('aria-pressed') === 'true'")
    assert_clean(page)


def test_web_vitals_bands_distribution_and_pages(host_factory, page):
    h = host_factory(plugins=["metrics-collector"], config={"metrics-collector.rate_limit": "0",
                                                            "metrics-collector.aggregation_interval": "1"})
    seed(h)
    d = h.request("metrics-collector", "GET", "/api/dashboard").json()
    lcp = d["web_vitals"]["summary"]["lcp"]
    assert lcp["distribution"] == {"good": 1, "needs_improvement": 0, "poor": 1}, lcp
    assert (lcp["good_threshold"], lcp["poor_threshold"]) == (2500, 4000)
    page.goto(h.url("metrics-collector") + "/?since=6h")
    enter_key(page, h.key("metrics-collector"))
    page.wait("!document.querySelector('.vitals').classList.contains('hidden')")
    assert page.count(".vitals-cards .vital") == 5
    # ratings in words as well as colour
    assert page.eval("document.querySelector('.vital-inp').classList.contains('good')")
    assert page.text(".vital-inp .sub .rating-word") == "Good"
    assert page.eval("[...document.querySelectorAll('.vital-lcp .dist-list li')].map(l => l.textContent)") == [
        "Good 50% (1)", "Needs improvement 0% (0)", "Poor 50% (1)"]
    # one chart per vital, CLS included, with good/needs-improvement/poor bands; no line in a rating colour
    page.wait("document.querySelectorAll('.vitals-chart .uplot').length === 5")
    swatches = page.eval("[...document.querySelectorAll('.vitals-chart .legend-item .swatch')]"
                         ".map(s => getComputedStyle(s).backgroundColor)")
    assert len(swatches) == 5 and not set(swatches) & RATING_COLOURS, swatches
    assert page.eval("document.querySelector('.vitals-chart-cls')._mlPlot.axes[1].values(null, [0.1])") == ["0.1"]
    # the y-scale keeps the poor threshold in view: LCP's top is above 4000 ms even if every value were below
    assert page.eval("document.querySelector('.vitals-chart-inp')._mlPlot.scales.y.max") >= 500
    # the charts' text equivalent
    assert page.count(".vitals-data tbody tr") >= 1
    # by-page table: ratings in words, sortable, a page drills down
    rows = page.eval("[...document.querySelectorAll('tr.vitals-page')].map(r => [r.cells[0].textContent, r.cells[1].className, "
                     "r.cells[1].textContent])")
    assert sorted(rows) == [["/", "num good", "1200 Good"], ["/checkout", "num poor", "5000 Poor"]], rows
    page.click(".vitals-pages th[data-sort='lcp'] button")
    assert page.eval("document.querySelector('.vitals-pages th[data-sort=lcp]').getAttribute('aria-sort')") == "descending"
    assert page.eval("[...document.querySelectorAll('tr.vitals-page')].map(r => r.cells[0].textContent)") == ["/checkout", "/"]
    page.click(".vitals-pages th[data-sort='lcp'] button")
    assert page.eval("[...document.querySelectorAll('tr.vitals-page')].map(r => r.cells[0].textContent)") == ["/", "/checkout"]
    page.click(".vitals-drill[data-page='/checkout']")
    page.wait("document.querySelectorAll('tr.vitals-page').length === 1")
    assert "page=%2Fcheckout" in page.url()
    assert page.text(".vital-lcp .sub .rating-word") == "Poor"
    assert page.text(".vitals-page-filter .chip").startswith("page = /checkout")
    page.click(".vitals-page-clear")
    page.wait("document.querySelectorAll('tr.vitals-page').length === 2")
    assert "page=" not in page.url()
    assert_clean(page)


def test_dashboard_range_parameters(host_factory):
    h = host_factory(plugins=["metrics-collector"], config={"metrics-collector.rate_limit": "0"})
    for q in ("since=nope", "until=x", "since=1h&until=2h", "period=yesterday"):
        r = h.request("metrics-collector", "GET", "/api/dashboard?" + q)
        assert r.status == 400 and "detail" in r.json(), (q, r)
    r = h.request("metrics-collector", "GET", "/api/dashboard?since=2h&until=1h")
    assert r.status == 200 and r.json()["from"] < r.json()["to"] and r.json()["resolution"] == "minute", r
    assert h.request("metrics-collector", "GET", "/api/dashboard?since=7d").json()["resolution"] == "hour"


def test_range_in_url_and_auto_refresh(host_factory, page):
    h = host_factory(plugins=["metrics-collector"])
    post(h, [{"name": "jobs_total", "type": "counter", "value": 1}])
    # a link of the old form (period=) becomes the range's since
    page.goto(h.url("metrics-collector") + "/?period=1h&refresh=5")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelector('.c-datapoints').textContent === '1'")
    assert page.eval("new URLSearchParams(location.search).get('since')") == "1h"
    assert page.eval("document.querySelector('.ml-tr-preset[data-since=\"1h\"]').getAttribute('aria-pressed')") == "true"
    assert page.eval("document.querySelector('.f-refresh').value") == "5"
    # auto-refresh (5 s) picks up a new point
    post(h, [{"name": "jobs_total", "type": "counter", "value": 1}])
    page.wait("document.querySelector('.c-datapoints').textContent === '2'", timeout=8)
    assert page.eval("document.querySelector('.vitals').classList.contains('hidden')")
    # an absolute range with From after To is refused in the form, and nothing changes
    page.click(".ml-tr-custom")
    page.wait("!document.querySelector('.ml-tr-abs').classList.contains('hidden')")
    page.eval("document.querySelector('.ml-tr-from').value = '2020-01-02T10:00';"
              "document.querySelector('.ml-tr-to').value = '2020-01-01T10:00';")
    page.click(".ml-tr-apply")
    assert page.text(".ml-tr-error") == "From must be a time before To."
    assert page.eval("new URLSearchParams(location.search).get('since')") == "1h"
    page.eval("document.querySelector('.ml-tr-from').value = '2020-01-01T10:00';"
              "document.querySelector('.ml-tr-to').value = '2020-01-02T10:00';")
    page.click(".ml-tr-apply")
    page.wait("new URLSearchParams(location.search).has('until')")
    assert page.eval("Date.parse(new URLSearchParams(location.search).get('until')) - "
                     "Date.parse(new URLSearchParams(location.search).get('since'))") == 24 * 3600 * 1000
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


def test_keyboard_walk(host_factory, page):
    """Tab reaches the range presets, the metric picker, the legend, the table sort buttons and the page links;
    Enter toggles a legend entry and sorts; Shift+Enter shows one series alone."""
    h = host_factory(plugins=["metrics-collector"], config={"metrics-collector.rate_limit": "0",
                                                            "metrics-collector.aggregation_interval": "1"})
    seed(h)
    page.goto(h.url("metrics-collector") + "/?group_by=status")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelectorAll('.x-chart .legend-item').length === 2")
    page.wait("document.querySelectorAll('tr.vitals-page').length === 2")
    page.eval("document.querySelector('.brand').focus()")
    seen = []
    for _ in range(80):
        key(page, "Tab", "Tab", 9)
        seen.append(page.eval("(() => { const e = document.activeElement; return e ? e.tagName.toLowerCase() + '.' + "
                              "(e.className || '') : ''; })()"))
    walked = " ".join(seen)
    for cls in ("ml-tr-preset", "ml-tr-custom", "x-name", "x-group", "legend-item", "sort", "vitals-drill", "top-name",
                "table-scroll"):
        assert cls in walked, (cls, seen)
    # Enter on a legend entry hides its series; Shift+Enter on the other shows that one alone
    page.eval("document.querySelector('.x-chart .legend-item[data-i=\"0\"]').focus()")
    key(page, "Enter", "Enter", 13)
    page.wait("document.querySelector('.x-chart .legend-item[data-i=\"0\"]').getAttribute('aria-pressed') === 'false'")
    assert page.eval("document.activeElement.getAttribute('data-i')") == "0"  # focus stays on the entry
    key(page, "Enter", "Enter", 13)
    page.eval("document.querySelector('.x-chart .legend-item[data-i=\"1\"]').focus()")
    key(page, "Enter", "Enter", 13, shift=True)
    page.wait("document.querySelector('.x-chart')._mlPlot.series.map(s => s.show).join() === 'true,false,true'")
    # Enter on a column header sorts the pages
    page.eval("document.querySelector('.vitals-pages th[data-sort=page] button').focus()")
    key(page, "Enter", "Enter", 13)
    page.wait("document.querySelector('.vitals-pages th[data-sort=page]').getAttribute('aria-sort') === 'ascending'")
    assert page.eval("[...document.querySelectorAll('tr.vitals-page')].map(r => r.cells[0].textContent)") == ["/", "/checkout"]
    assert_clean(page)
