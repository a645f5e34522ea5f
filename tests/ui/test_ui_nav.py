"""The shared top navigation of the four UIs, one sign-in on the combined listener, the styled index page, and the
shared time-range control on the errors and logs pages (headless Chromium, real host)."""
import json

from monlight_test import SERVICE_PLUGINS, http
from uihelpers import assert_clean, enter_key

KEY = "shared-ui-key-0001"
TOOLS = ["error-tracker", "log-viewer", "metrics-collector", "browser-relay"]


def combined_host(host_factory):
    cfg = {f"{p}.api_key": KEY for p in ("error-tracker", "log-viewer", "metrics-collector")}
    cfg.update({f"{p}.rate_limit": "0" for p in ("error-tracker", "log-viewer", "metrics-collector")})
    return host_factory(plugins=SERVICE_PLUGINS, combined=True, config=cfg)


def modal_open(page):
    return page.eval("!!document.querySelector('.ml-modal') && !document.querySelector('.ml-modal').classList.contains('hidden')")


def nav_links(page):
    page.wait("document.querySelectorAll('.ml-nav a').length === 4")
    return page.eval("[...document.querySelectorAll('.ml-nav a')].map(a => [a.textContent, a.getAttribute('href'), "
                     "a.getAttribute('aria-current')])")


def test_index_page_lists_the_tools_styled(host_factory, page):
    h = combined_host(host_factory)
    r = http("GET", h.url() + "/")
    html = r.body.decode()
    assert r.status == 200 and "<style>" in html and "<html" in html
    page.goto(h.url() + "/")
    assert page.count("li.plugin") == 4
    assert page.eval("[...document.querySelectorAll('li.plugin a')].map(a => a.getAttribute('href'))") == \
        [p + "/" for p in SERVICE_PLUGINS]
    # health in words, a description per tool, the UIs' dark look
    assert page.eval("[...document.querySelectorAll('li.plugin .health')].map(s => s.textContent)") == ["ok"] * 4
    assert page.eval("[...document.querySelectorAll('li.plugin p')].length") == 4
    assert page.eval("getComputedStyle(document.body).backgroundColor") == "rgb(15, 17, 21)"
    assert_clean(page)


def test_nav_across_the_four_uis_with_one_sign_in(host_factory, page):
    h = combined_host(host_factory)
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps([{"message": "hello nav", "source": "web"}]).encode(),
                  {"Content-Type": "application/json"})
    assert r.status == 202
    page.goto(h.url() + "/metrics-collector/")
    enter_key(page, KEY)
    links = nav_links(page)
    assert [l[1] for l in links] == [f"/{t}/" for t in TOOLS], links
    assert [l[0] for l in links] == ["Errors", "Logs", "Metrics", "Browser relay"]
    assert [l[2] for l in links] == [None, None, "page", None]
    assert page.eval("document.querySelector('.topbar .brand').getAttribute('href')") == "/"
    page.wait("document.querySelector('.c-datapoints').textContent !== '—'")
    assert_clean(page)

    # the logs and errors UIs use the key entered once: no dialog, their data loads
    page.click(".ml-nav a[data-tool='log-viewer']")
    page.wait("location.pathname === '/log-viewer/' && document.readyState === 'complete'")
    page.wait("document.querySelectorAll('.log-row').length === 1")
    assert not modal_open(page)
    assert nav_links(page)[1][2] == "page"
    assert_clean(page)
    page.click(".ml-nav a[data-tool='error-tracker']")
    page.wait("location.pathname === '/error-tracker/' && document.readyState === 'complete'")
    page.wait("document.querySelector('.ml-nav a[aria-current=page]') && "
              "document.querySelector('.ml-nav a[aria-current=page]').dataset.tool === 'error-tracker'")
    page.wait("document.querySelector('td.empty') && document.querySelector('td.empty').textContent === "
              "'No errors match these filters.'")
    assert not modal_open(page)
    assert_clean(page)

    # the relay takes its admin key, which the shared key is not: it asks, and keeps that key to itself
    page.click(".ml-nav a[data-tool='browser-relay']")
    page.wait("location.pathname === '/browser-relay/' && document.readyState === 'complete'")
    enter_key(page, h.key("browser-relay"))
    assert page.eval("localStorage.getItem('monlight.api_key')") == KEY
    assert page.eval("localStorage.getItem('monlight.browser-relay.api_key')") == h.key("browser-relay")

    # one sign-out: every key of this origin is forgotten, and the next tool asks again
    page.click(".ml-signout")
    page.wait("localStorage.length === 0")
    page.goto(h.url() + "/log-viewer/")
    page.wait("!document.querySelector('.ml-modal').classList.contains('hidden')")
    assert_clean(page)


def test_wrong_shared_key_asks_again_per_tool(host_factory, page):
    """Tools with different keys: the shared key fails with 401 on the other tool, which asks for its own."""
    h = host_factory(plugins=["error-tracker", "metrics-collector"], combined=True,
                     config={"error-tracker.rate_limit": "0", "metrics-collector.rate_limit": "0"})
    page.goto(h.url() + "/metrics-collector/")
    enter_key(page, h.key("metrics-collector"))
    page.wait("document.querySelector('.c-datapoints').textContent !== '—'")
    # only the two loaded tools are linked (from the host's /health)
    page.wait("document.querySelectorAll('.ml-nav a').length === 2")
    page.click(".ml-nav a[data-tool='error-tracker']")
    page.wait("location.pathname === '/error-tracker/' && document.readyState === 'complete'")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelector('td.empty') && document.querySelector('td.empty').textContent === "
              "'No errors match these filters.'")
    assert page.eval("localStorage.getItem('monlight.error-tracker.api_key')") == h.key("error-tracker")
    assert_clean(page)


def test_own_listener_has_no_links_and_time_range_on_logs_and_errors(host_factory, page):
    h = host_factory(plugins=["log-viewer", "error-tracker"], config={"log-viewer.rate_limit": "0",
                                                                      "error-tracker.rate_limit": "0"})
    page.goto(h.url("log-viewer") + "/")
    enter_key(page, h.key("log-viewer"))
    page.wait("document.querySelector('.topbar.ml-nav-single')")
    assert page.count(".ml-nav") == 0
    # a preset of the shared control drives the page's own since (data reloads, state in the URL)
    page.wait("document.querySelector('.ml-timerange .ml-tr-preset')")
    page.click(".ml-tr-preset[data-since='6h']")
    page.wait("new URLSearchParams(location.search).get('since') === '6h'")
    assert page.eval("document.querySelector('.f-since').value") == "6h"
    # one time-range control: the page's own since field is kept for its state but not shown beside it
    assert page.eval("document.querySelector('.f-since').offsetParent === null")
    assert page.eval("document.querySelector('.ml-tr-preset[data-since=\"6h\"]').getAttribute('aria-pressed')") == "true"
    assert_clean(page)
    page.goto(h.url("error-tracker") + "/")
    enter_key(page, h.key("error-tracker"))
    page.wait("document.querySelector('.ml-timerange .ml-tr-preset')")
    page.click(".ml-tr-preset[data-since='7d']")
    page.wait("new URLSearchParams(location.search).get('since') === '7d'")
    assert page.eval("document.querySelector('.f-since').offsetParent === null")
    # an absolute range reloads the page with since/until, which the page reads from the URL
    page.click(".ml-tr-custom")
    page.eval("document.querySelector('.ml-tr-from').value = '2020-01-01T10:00';"
              "document.querySelector('.ml-tr-to').value = '2020-01-01T12:00';")
    page.click(".ml-tr-apply")
    page.wait("new URLSearchParams(location.search).has('until') && document.readyState === 'complete'")
    page.wait("document.querySelector('.ml-tr-label') && document.querySelector('.ml-tr-label').textContent.includes('→')")
    assert_clean(page)
