"""Issue 15, log viewer in headless Chromium with real key events: the container sidebar (one-click switching, by
keyboard, in step with the filter and the live tail), keyboard-reachable and labelled controls, a 390 px phone."""
import json
import time

from uihelpers import assert_clean
from uikeys import UNLABELLED, enter, press, sign_in_by_keyboard, space, tab, tab_to, typed

LV = "log-viewer"


def post_logs(h, entries):
    r = h.request(LV, "POST", "/api/logs", json.dumps(entries).encode(), {"Content-Type": "application/json"})
    assert r.status == 202, r


def seed(h):
    now = time.time()

    def ts(ago):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - ago)) + ".%03dZ" % int((now - ago) % 1 * 1000)

    entries = []
    for i in range(6):
        entries.append({"source": "web", "timestamp": ts(60 - i), "level": "INFO",
                        "message": f'GET /api/cart/{i} 200 {12 + i}ms'})
    entries.append({"source": "web", "timestamp": ts(50), "level": "ERROR", "stream": "stderr",
                    "message": "Traceback (most recent call last):\n  File \"/app/shop/orders.py\", line 142, in "
                               "create_order\nValueError: cart 17 is empty"})
    for i in range(4):
        entries.append({"source": "worker", "timestamp": ts(40 - i), "message": json.dumps(
            {"level": "info", "msg": f"job {i} done", "job_id": 100 + i, "duration_ms": 250 + i})})
    entries.append({"source": "worker", "timestamp": ts(30), "level": "WARNING", "message": "retrying job 104 (2/5)"})
    for i in range(3):
        entries.append({"source": "db", "timestamp": ts(20 - i), "level": "INFO",
                        "message": f"checkpoint complete: wrote {40 + i} buffers"})
    post_logs(h, entries)
    return entries


def rows_of(page):
    return page.eval("[...document.querySelectorAll('.log-row .c')].map(c => c.textContent)")


def test_container_sidebar_by_keyboard(host_factory, page):
    h = host_factory(plugins=[LV], config={"log-viewer.rate_limit": "0"})
    seed(h)
    page.goto(h.url(LV) + "/")
    sign_in_by_keyboard(page, h.key(LV))
    page.wait("document.querySelectorAll('.log-row').length === 15")
    page.wait("document.querySelectorAll('.ct-btn').length === 4")
    side = page.eval("[...document.querySelectorAll('.ct-btn')].map(b => [b.querySelector('.ct-name').textContent, "
                     "b.querySelector('.ct-count').textContent, b.getAttribute('aria-pressed')])")
    assert side == [["All containers", "15", "true"], ["db", "3", "false"], ["web", "7", "false"],
                    ["worker", "5", "false"]]
    assert page.eval("document.querySelector('.ct-side').getAttribute('aria-label')") == "Containers"
    assert page.eval(UNLABELLED) == []

    # Tab reaches the sidebar; Enter shows one container
    tab_to(page, ".ct-btn[data-name='db']")
    enter(page)
    page.wait("document.querySelectorAll('.log-row').length === 3")
    assert set(rows_of(page)) == {"db"}
    assert "container=db" in page.url()
    assert page.eval("[...document.querySelectorAll('.f-container option:checked')].map(o => o.value)") == ["db"]
    assert page.eval("document.querySelector(\".ct-btn[data-name='db']\").getAttribute('aria-pressed')") == "true"
    assert page.eval("document.querySelector('.ct-btn.ct-all').getAttribute('aria-pressed')") == "false"
    # arrow keys move along the sidebar, Enter switches
    press(page, "ArrowDown", "ArrowDown", 40)
    page.wait("document.activeElement === document.querySelector(\".ct-btn[data-name='web']\")")
    press(page, "ArrowDown", "ArrowDown", 40)
    enter(page)
    page.wait("document.querySelectorAll('.log-row').length === 5")
    assert set(rows_of(page)) == {"worker"}
    # JSON lines of that container show their fields as chips
    assert page.eval("document.querySelectorAll('.log-row .json-chip').length") >= 4
    press(page, "Home", "Home", 36)
    page.wait("document.activeElement === document.querySelector('.ct-btn.ct-all')")
    enter(page)
    page.wait("document.querySelectorAll('.log-row').length === 15")
    assert "container=" not in page.url()
    # the multi-select stays in step: picking two there leaves no sidebar button pressed
    page.eval("[...document.querySelector('.f-container').options].forEach(o => o.selected = o.value !== 'db');"
              "document.querySelector('.f-container').dispatchEvent(new Event('change', {bubbles: true}))")
    page.wait("document.querySelectorAll('.log-row').length === 12")
    assert page.eval("document.querySelectorAll('.ct-btn[aria-pressed=true]').length") == 0
    # a bookmarked container comes back pressed
    page.goto(h.url(LV) + "/?container=web")
    page.wait("document.querySelectorAll('.log-row').length === 7")
    page.wait("document.querySelector(\".ct-btn[data-name='web']\") && "
              "document.querySelector(\".ct-btn[data-name='web']\").getAttribute('aria-pressed') === 'true'")
    # a log row opens by keyboard, and its copy button is reachable
    tab_to(page, ".log-row")
    enter(page)
    page.wait("document.querySelector('.log-detail .log-message')")
    tab_to(page, ".log-detail .copy-btn")
    assert_clean(page)


def test_sidebar_switches_the_live_tail(host_factory, page):
    h = host_factory(plugins=[LV], config={"log-viewer.rate_limit": "0"})
    seed(h)
    page.goto(h.url(LV) + "/")
    sign_in_by_keyboard(page, h.key(LV))
    page.wait("document.querySelectorAll('.ct-btn').length === 4")
    tab_to(page, ".tail-toggle")
    assert page.eval("document.querySelector('.tail-toggle').getAttribute('aria-pressed')") == "false"
    enter(page)
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'")
    assert page.eval("document.querySelector('.tail-toggle').getAttribute('aria-pressed')") == "true"
    tab_to(page, ".ct-btn[data-name='worker']")
    enter(page)
    page.wait("document.querySelectorAll('.log-row').length === 5")
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected' && "
              "location.search.includes('container=worker')")
    post_logs(h, [{"source": "web", "message": "GET /api/late 200"},
                  {"source": "worker", "level": "ERROR", "message": "job 105 failed: timeout"}])
    page.wait("document.querySelectorAll('.log-row').length === 6")
    assert page.text(".log-row .m") == "job 105 failed: timeout"
    assert set(rows_of(page)) == {"worker"}
    assert_clean(page)


def test_sidebar_on_a_phone(host_factory, page):
    h = host_factory(plugins=[LV], config={"log-viewer.rate_limit": "0"})
    seed(h)
    page.set_viewport(390, 800)
    page.goto(h.url(LV) + "/")
    page.eval(f"localStorage.setItem('monlight.log-viewer.api_key', {json.dumps(h.key(LV))})")
    page.goto(h.url(LV) + "/")
    page.wait("document.querySelectorAll('.ct-btn').length === 4 && document.querySelectorAll('.log-row').length === 15")
    assert page.eval("document.documentElement.scrollWidth") <= 390
    # the sidebar is a row above the entries
    assert page.eval("document.querySelector('.ct-side').getBoundingClientRect().bottom <= "
                     "document.querySelector('.log-list').getBoundingClientRect().top")
    page.click(".ct-btn[data-name='web']")
    page.wait("document.querySelectorAll('.log-row').length === 7")
    assert_clean(page)


def test_substring_search(host_factory, page):
    h = host_factory(plugins=[LV], config={"log-viewer.rate_limit": "0"})
    seed(h)

    def msgs(**q):
        from urllib.parse import urlencode
        r = h.request(LV, "GET", "/api/logs?" + urlencode(q))
        assert r.status == 200, r
        return [e["message"] for e in r.json()["logs"]], r.json()["total"]

    # inside words, any case; word search does not find it
    assert msgs(search="ART/3 ", search_mode="substring") == (["GET /api/cart/3 200 15ms"], 1)
    assert msgs(search="art/3", search_mode="words") == ([], 0)
    assert msgs(search='"JOB_ID": 10', search_mode="substring")[1] == 4  # inside the JSON lines, quotes and all
    r = h.request(LV, "GET", "/api/logs?search_mode=substring&search=" + "x" * 201)
    assert r.status == 400 and r.json() == {"detail": "Invalid parameter: search"}
    # combined with the other filters
    assert msgs(search="200", search_mode="substring", container="db")[1] == 0
    assert msgs(search="buffers", search_mode="substring", container="db")[1] == 3

    page.goto(h.url(LV) + "/")
    sign_in_by_keyboard(page, h.key(LV))
    page.wait("document.querySelectorAll('.log-row').length === 15")
    tab_to(page, ".f-search")
    typed(page, "rt/4")
    enter(page)
    page.wait("document.querySelector('.log-list .empty')")  # words: no match
    tab_to(page, ".f-substr")
    space(page)
    page.wait("document.querySelectorAll('.log-row').length === 1")
    assert page.text(".log-row .m") == "GET /api/cart/4 200 16ms"
    assert "substr=1" in page.url()
    # FTS syntax and substring exclude each other
    tab(page, shift=True)
    space(page)
    page.wait("document.querySelector('.f-fts').checked && !document.querySelector('.f-substr').checked")
    assert_clean(page)
