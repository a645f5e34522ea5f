"""Error tracker UI in a real headless Chromium: key modal, list, filters in the URL, detail, resolve, sign out."""
import json

from uihelpers import assert_clean, enter_key, get_html, stored_key


def report(h, **fields):
    body = {"project": "shop", "exception_type": "ValueError", "message": "bad value", "traceback": "Traceback: x"}
    body.update(fields)
    r = h.request("error-tracker", "POST", "/api/errors", body)
    assert r.status in (200, 201), r
    return r.json()


def test_list_detail_resolve(host_factory, page):
    h = host_factory(plugins=["error-tracker"])
    a = report(h, exception_type="KeyError", message="missing <b>key</b> 'user'", traceback="Traceback KeyError",
               request_url="/api/cart", request_method="POST", user_id="u42",
               extra={"session_id": "sess-1", "release": "1.2.3"})
    for _ in range(11):
        report(h, exception_type="TimeoutError", message="upstream slow", traceback="Traceback T", environment="staging")
    report(h, project="billing", exception_type="BrowserError", message="x is undefined", traceback="at f (a.js:1:1)",
           request_method="BROWSER", extra={"original_stack": "at n (app.min.js:1:9)",
                                            "source_context": [{"frame": 0, "source": "src/app.ts", "line": 2,
                                                                "context": [{"line": 1, "text": "a"},
                                                                            {"line": 2, "text": "boom()"}]}]})
    base = h.url("error-tracker")
    r = get_html(base + "/")
    assert r.headers["content-type"].startswith("text/html")
    assert "__ASSET_VERSION__" not in r.body.decode()

    page.goto(base + "/")
    enter_key(page, "wrong-key", valid=False)
    # a wrong key answers 401 → the modal opens again with the detail
    page.wait("!document.querySelector('.ml-modal').classList.contains('hidden')")
    assert "Invalid API key" in page.text(".ml-modal-msg")
    enter_key(page, h.key("error-tracker"))
    assert stored_key(page, "error-tracker") == h.key("error-tracker")

    page.wait("document.querySelectorAll('tr.error-row').length === 3")
    types = page.eval("[...document.querySelectorAll('tr.error-row td.type')].map(e => e.textContent)")
    assert sorted(types) == ["BrowserError", "KeyError", "TimeoutError"]
    # HTML in messages is shown as text
    assert page.eval("[...document.querySelectorAll('td.msg')].some(e => e.textContent.includes('<b>key</b>'))")
    assert page.count("td.msg b") == 0
    # counts above 10 are highlighted; sources are badges; the pager shows the range
    assert page.eval("document.querySelector('tr.error-row .count.count-hi').textContent") == "11"
    assert page.count(".badge.browser") == 1
    assert page.text(".pager-info") == "1–3 of 3"
    # projects from api/projects
    page.wait("document.querySelectorAll('.f-project option').length === 3")

    # source and environment filters
    page.select(".f-source", "browser")
    page.wait("document.querySelectorAll('tr.error-row').length === 1 && "
              "document.querySelector('tr.error-row td.type').textContent === 'BrowserError'")
    page.select(".f-source", "")
    page.wait("document.querySelectorAll('.f-environment option').length === 3")
    page.select(".f-environment", "staging")
    page.wait("document.querySelectorAll('tr.error-row').length === 1 && "
              "document.querySelector('tr.error-row td.type').textContent === 'TimeoutError'")
    assert "environment=staging" in page.url()
    page.select(".f-environment", "")
    page.wait("document.querySelectorAll('tr.error-row').length === 3")
    # filter by project: the state goes into the URL and the list follows
    page.select(".f-project", "billing")
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    assert "project=billing" in page.url()
    # reloading keeps the filter (bookmarkable)
    page.goto(page.url())
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    assert page.eval("document.querySelector('.f-project').value") == "billing"
    page.goto(base + "/?search=missing&sort=count")
    page.wait("document.querySelectorAll('tr.error-row').length === 1 && "
              "document.querySelector('tr.error-row td.type').textContent === 'KeyError'")
    assert page.eval("document.querySelector('.f-sort').value") == "count"

    # detail page
    page.click("tr.error-row a.row-link")
    page.wait("location.pathname === '/errors/%d'" % a["id"])
    page.wait("document.querySelector('.d-type').textContent === 'KeyError'")
    assert page.text(".d-message") == "missing <b>key</b> 'user'"
    assert page.text(".d-status") == "Unresolved"
    assert page.text(".d-traceback") == "Traceback KeyError"
    assert page.count(".occ") == 1
    occ = page.text(".occ")
    assert "/api/cart" in occ and "u42" in occ and "1.2.3" in occ
    assert page.eval("document.querySelector('a.session-link').getAttribute('href')") == "../?session_id=sess-1"
    # the back link keeps the list's filters
    assert page.eval("document.querySelector('.back-link').getAttribute('href')") == "../?search=missing&sort=count"

    page.click(".d-resolve")
    page.wait("document.querySelector('.d-status') && document.querySelector('.d-status').textContent === 'Resolved'")
    assert h.request("error-tracker", "GET", f"/api/errors/{a['id']}").json()["resolved"] is True
    assert page.visible(".d-reopen") and not page.visible(".d-resolve")
    page.click(".d-reopen")
    page.wait("document.querySelector('.d-status').textContent === 'Unresolved'")
    assert h.request("error-tracker", "GET", f"/api/errors/{a['id']}").json()["resolved"] is False

    # session link → list filtered by session with the banner
    page.click("a.session-link")
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    assert page.visible(".session-banner")
    assert page.text(".session-id") == "sess-1"
    assert_clean(page)


def test_browser_error_detail_and_sign_out(host_factory, page):
    h = host_factory(plugins=["error-tracker"])
    b = report(h, exception_type="TypeError", message="x is undefined", traceback="TypeError\n    at f (src/app.ts:2:5)",
               request_method="BROWSER", request_url="https://shop.example.com/",
               extra={"original_stack": "TypeError\n    at n (https://shop.example.com/app.min.js:2:5)",
                      "source_context": [{"frame": 1, "source": "src/app.ts", "line": 2,
                                          "context": [{"line": 1, "text": "const a = 1;"},
                                                      {"line": 2, "text": "handleClick(a);"},
                                                      {"line": 3, "text": "}"}]}]})
    base = h.url("error-tracker")
    page.goto(f"{base}/errors/{b['id']}")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelector('.d-type').textContent === 'TypeError'")
    assert "app.min.js:2:5" in page.text(".occ-min pre")
    assert page.text(".src-line.hl") == "2handleClick(a);"
    assert page.count(".src-line") == 3
    assert "browser" in page.text(".d-badges")
    # unknown id → not found message
    page.goto(f"{base}/errors/99999")
    page.wait("document.querySelector('.d-type').textContent === 'Error not found'")
    # sign out removes the key and asks again
    page.click(".ml-signout")
    assert stored_key(page, "error-tracker") is None
    page.wait("!document.querySelector('.ml-modal').classList.contains('hidden')")


def test_narrow_viewport_turns_rows_into_cards(host_factory, page):
    h = host_factory(plugins=["error-tracker"])
    report(h, message="m" * 300)
    page.set_viewport(360, 740)
    page.goto(h.url("error-tracker") + "/")
    page.eval(f"localStorage.setItem('monlight.error-tracker.api_key', {json.dumps(h.key('error-tracker'))})")
    page.goto(h.url("error-tracker") + "/")
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    assert page.eval("getComputedStyle(document.querySelector('.errors-table thead')).display") == "none"
    assert page.eval("getComputedStyle(document.querySelector('tr.error-row')).display") == "block"
    assert page.eval("document.documentElement.scrollWidth") <= 360
    # message shown truncated to 120 chars (+ ellipsis)
    assert len(page.text("td.msg")) == 121
    assert_clean(page)


def test_paging_and_rate_limit_banner(host_factory, page):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.rate_limit": "0"})
    for i in range(53):
        report(h, exception_type=f"E{i:02d}", traceback=f"tb {i}")
    page.goto(h.url("error-tracker") + "/")
    page.eval(f"localStorage.setItem('monlight.error-tracker.api_key', {json.dumps(h.key('error-tracker'))})")
    page.goto(h.url("error-tracker") + "/?sort=first_seen")
    page.wait("document.querySelectorAll('tr.error-row').length === 50")
    assert page.text(".pager-info") == "1–50 of 53"
    assert page.eval("document.querySelector('.pager-prev').disabled")
    # newest first
    assert page.text("tr.error-row td.type") == "E52"
    page.click(".pager-next")
    page.wait("document.querySelectorAll('tr.error-row').length === 3")
    assert page.text(".pager-info") == "51–53 of 53"
    assert "offset=50" in page.url()
    assert page.eval("document.querySelector('.pager-next').disabled")
    assert page.text("tr.error-row td.type") == "E02"
    page.click(".pager-prev")
    page.wait("document.querySelectorAll('tr.error-row').length === 50")
    assert "offset" not in page.url()
    assert_clean(page)


def test_rate_limited_banner(host_factory, page):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.rate_limit": "3"})
    page.goto(h.url("error-tracker") + "/")
    enter_key(page, h.key("error-tracker"))
    # projects + environments + errors use the 3 requests of the minute
    page.wait("document.querySelector('.errors-body .empty')")
    page.click(".f-apply")
    page.wait("/^Rate limited, retrying in \\d+ s$/.test(document.querySelector('.ml-banner').textContent)")
    assert page.eval("document.querySelector('.ml-banner').classList.contains('warn')")


def test_ui_under_the_combined_listener(host_factory, page):
    h = host_factory(plugins=["error-tracker"], combined=True)
    a = report(h)
    page.goto(h.url() + "/error-tracker/")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    page.click("tr.error-row a.row-link")
    page.wait("location.pathname === '/error-tracker/errors/%d'" % a["id"])
    page.wait("document.querySelector('.d-type').textContent === 'ValueError'")
    page.click(".d-resolve")
    page.wait("document.querySelector('.d-status').textContent === 'Resolved'")
    assert h.request("error-tracker", "GET", f"/api/errors/{a['id']}").json()["resolved"] is True
    assert page.eval("document.querySelector('.back-link').getAttribute('href')") == "../"
    page.click(".back-link")
    page.wait("location.pathname === '/error-tracker/'")
    assert_clean(page)


def test_ui_browsing_and_app_reporting_do_not_share_one_budget(host_factory, page):
    """Issue 15: an application reporting with the key while someone changes filters in the UI: neither gets 429."""
    import threading
    import time
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.rate_limit": "30"})
    report(h, message="first")
    page.goto(h.url("error-tracker") + "/")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    statuses = []

    def app():
        for i in range(24):
            body = {"project": "shop", "exception_type": "ValueError", "message": f"report {i}", "traceback": "T"}
            statuses.append(h.request("error-tracker", "POST", "/api/errors", body).status)
            time.sleep(0.05)

    t = threading.Thread(target=app)
    t.start()
    for value in ["true", "all", "false", "all", "true", "false", "all", "false"]:
        page.select(".f-resolved", value)
        time.sleep(0.15)
        assert "Rate limited" not in page.text(".ml-banner"), page.text(".ml-banner")
    t.join()
    page.wait("document.querySelector('.ml-banner').classList.contains('hidden') || "
              "!document.querySelector('.ml-banner').textContent.includes('Rate')")
    assert 429 not in statuses, statuses
    assert "Rate limit" not in page.text(".ml-banner")
    assert_clean(page)


def test_list_shows_the_culprit_line(host_factory, page):
    h = host_factory(plugins=["error-tracker"])
    report(h, traceback='Traceback (most recent call last):\n  File "/app/shop/orders.py", line 142, in create_order\n'
                        '    raise ValueError("bad")\nValueError: bad')
    page.goto(h.url("error-tracker") + "/")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    assert page.text("tr.error-row .culprit") == "orders.py:142 in create_order"
    assert_clean(page)


def test_sparkline_per_row_and_volume_chart(host_factory, page):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.rate_limit": "0"})
    for _ in range(3):
        e = report(h, exception_type="Busy")
    page.goto(h.url("error-tracker") + "/")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelector('tr.error-row .spark')")
    assert page.eval("document.querySelector('tr.error-row .spark title').textContent") == "3 in the last 24 h"
    assert page.count("tr.error-row .spark rect") == 1  # only the current hour has occurrences
    page.click("tr.error-row a.row-link")
    page.wait("document.querySelectorAll('.v-chart .v-bar').length === 24")
    assert page.text(".v-total") == "(3 in the last 24 hours)"
    assert page.eval("[...document.querySelectorAll('.v-bar')].map(b => +b.dataset.count)")[-1] == 3
    page.click(".v-period[data-period='14d']")
    page.wait("document.querySelectorAll('.v-chart .v-bar').length === 14")
    assert page.text(".v-total") == "(3 in the last 14 days)"
    assert e["id"] > 0
    assert_clean(page)


def test_detail_tags_panel(host_factory, page):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.rate_limit": "0"})
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
    for ua, user, release in ((chrome, "u1", "1.2.0"), (chrome, "u2", "1.2.0"), (firefox, "u1", "1.3.0 <b>")):
        e = report(h, request_url="/api/cart", user_id=user, request_headers={"User-Agent": ua},
                   extra={"release": release, "server_name": "web-1"})
    page.goto(h.url("error-tracker") + "/")
    enter_key(page, h.key("error-tracker"))
    page.goto(h.url("error-tracker") + f"/errors/{e['id']}")
    page.wait("!document.querySelector('.d-tags').classList.contains('hidden')")
    tag = lambda k: page.eval(f"[...document.querySelectorAll('.tag-{k} .tag-val')].map(e => e.textContent)")
    assert tag("release") == ["1.2.0 2", "1.3.0 <b> 1"]
    assert tag("browser") == ["Chrome 120 2", "Firefox 121 1"]
    assert tag("server") == ["web-1 3"] and tag("url") == ["/api/cart 3"]
    assert tag("user") == ["2"]
    assert page.count(".d-tags b") == 0
    assert_clean(page)
