"""Issue 15 feature 2, errors linked to logs, in headless Chromium on the combined listener: an error's detail page
shows the log lines with its trace id (or of the container named by its server_name) within ±2 min, links to the
log viewer filtered the same way, and a log line links back to the errors of its time."""
import json
import time

from uihelpers import assert_clean

TRACE = "0af7651916cd43dd8448eb211c80319c"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def test_error_detail_shows_logs_around_each_occurrence(host_factory, page):
    h = host_factory(plugins=["error-tracker", "log-viewer"], combined=True,
                     config={"log-viewer.rate_limit": "0", "error-tracker.rate_limit": "0"})
    now = time.time()
    logs = [
        {"message": "charging card", "source": "billing", "trace_id": TRACE, "timestamp": iso(now - 3)},
        {"message": "card declined <b>", "source": "billing", "trace_id": TRACE, "level": "ERROR", "timestamp": iso(now - 1)},
        {"message": "other request", "source": "billing", "timestamp": iso(now - 2)},
        {"message": "same trace, long ago", "source": "billing", "trace_id": TRACE, "timestamp": iso(now - 900)},
        {"message": "web line", "source": "web", "timestamp": iso(now - 2)},
    ]
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps(logs).encode(), {"Content-Type": "application/json"})
    assert r.status == 202, r
    traced = h.request("error-tracker", "POST", "/api/errors", {
        "project": "shop", "exception_type": "CardError", "message": "declined", "traceback": "T",
        "timestamp": iso(now), "extra": {"trace_id": TRACE, "server_name": "billing"}}).json()
    hosted = h.request("error-tracker", "POST", "/api/errors", {
        "project": "shop", "exception_type": "WebError", "message": "boom", "traceback": "T",
        "timestamp": iso(now), "extra": {"server_name": "web"}}).json()
    base = h.url()
    page.goto(base + "/error-tracker/")
    page.eval(f"localStorage.setItem('monlight.error-tracker.api_key', {json.dumps(h.key('error-tracker'))});"
              f"localStorage.setItem('monlight.log-viewer.api_key', {json.dumps(h.key('log-viewer'))})")

    # by trace id: the two lines of the trace inside the window, oldest first, text kept as text
    page.goto(f"{base}/error-tracker/errors/{traced['id']}")
    page.wait("document.querySelectorAll('.occ-log-line').length === 2")
    assert page.eval("[...document.querySelectorAll('.occ-log-line .m')].map(e => e.textContent)") == \
        ["charging card", "card declined <b>"]
    assert page.count(".occ-log-line .m b") == 0
    assert page.count(".occ-log-line.lvl-ERROR") == 1
    href = page.eval("document.querySelector('.logs-link').getAttribute('href')")
    assert href.startswith("/log-viewer/?") and f"trace_id={TRACE}" in href and "since=" in href and "until=" in href

    # the link opens the log viewer filtered the same way
    page.click(".logs-link")
    page.wait("location.pathname === '/log-viewer/' && document.querySelectorAll('.log-row').length === 2")
    assert TRACE in page.text(".ctx-text")
    assert page.eval("[...document.querySelectorAll('.log-row .m')].map(e => e.textContent)") == \
        ["card declined <b>", "charging card"]
    # and back: a line links to the errors of its time (±2 min)
    page.click(".log-row")
    page.wait("document.querySelector('.log-detail .errors-link')")
    page.click(".log-detail .errors-link")
    page.wait("location.pathname === '/error-tracker/' && document.querySelectorAll('tr.error-row').length === 2")
    assert "until=" in page.url()
    # clearing the context shows every line again
    page.goto(f"{base}/log-viewer/?trace_id={TRACE}")
    page.wait("document.querySelectorAll('.log-row').length === 3")
    page.click(".ctx-clear")
    page.wait("document.querySelectorAll('.log-row').length === 5")
    assert "trace_id" not in page.url()

    # by server_name (no trace id): the lines of the container of that name
    page.goto(f"{base}/error-tracker/errors/{hosted['id']}")
    page.wait("document.querySelectorAll('.occ-log-line').length === 1")
    assert page.text(".occ-log-line .m") == "web line"
    assert "host=web" in page.eval("document.querySelector('.logs-link').getAttribute('href')")
    assert_clean(page)


def test_error_detail_asks_for_the_log_viewer_key(host_factory, page):
    h = host_factory(plugins=["error-tracker", "log-viewer"], combined=True)
    e = h.request("error-tracker", "POST", "/api/errors", {
        "project": "shop", "exception_type": "E", "message": "m", "traceback": "T",
        "extra": {"server_name": "web"}}).json()
    page.goto(h.url() + "/error-tracker/")
    page.eval(f"localStorage.setItem('monlight.error-tracker.api_key', {json.dumps(h.key('error-tracker'))})")
    page.goto(f"{h.url()}/error-tracker/errors/{e['id']}")
    page.wait("document.querySelector('.logs-signin')")
    assert page.count(".logs-link") == 1
    assert page.exceptions == []
