"""Log viewer UI in a real headless Chromium: stats, entries, search, filters, expand, live tail."""
import json
import time
from pathlib import Path

from uihelpers import assert_clean, enter_key


class Docker:
    """A minimal /var/lib/docker/containers layout with json-file logs."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def add(self, cid, name):
        d = self.root / cid
        d.mkdir(parents=True, exist_ok=True)
        (d / "config.v2.json").write_text(json.dumps({"ID": cid, "Name": "/" + name, "State": {"Running": True}}))
        (d / f"{cid}-json.log").touch()

    def write(self, cid, *texts, stream="stdout"):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".123456789Z"
        with open(self.root / cid / f"{cid}-json.log", "ab") as f:
            for t in texts:
                f.write((json.dumps({"log": t + "\n", "stream": stream, "time": ts}) + "\n").encode())


def start(host_factory, docker):
    return host_factory(plugins=["log-viewer"], config={
        "log-viewer.log_sources": str(docker.root),
        "log-viewer.poll_interval": "1",
        "log-viewer.rescan_interval": "1",
        "log-viewer.multiline_flush_ms": "20",
        "log-viewer.rate_limit": "0",
    })


def wait_logs(h, n, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = h.request("log-viewer", "GET", "/api/logs")
        if r.status == 200 and r.json()["total"] >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} log entries ingested")


def test_entries_search_filters_and_live_tail(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    docker.add("b1", "worker")
    h = start(host_factory, docker)
    docker.write("a1", "GET /index 200", "ERROR: payment <failed>")
    docker.write("b1", "INFO job started", "WARNING disk almost full", stream="stderr")
    wait_logs(h, 4)

    page.goto(h.url("log-viewer") + "/")
    enter_key(page, h.key("log-viewer"))
    page.wait("document.querySelectorAll('.log-row').length === 4")
    page.wait("document.querySelector('.st-total').textContent === '4'")
    assert "ERRO 1" in page.text(".st-levels")
    # containers as "name (count)"
    page.wait("document.querySelectorAll('.f-container option').length === 2")
    assert page.eval("[...document.querySelectorAll('.f-container option')].map(o => o.textContent)") == \
        ["web (2)", "worker (2)"]
    # newest first; HTML in messages stays text
    assert page.text(".log-row .m") == "WARNING disk almost full" or page.text(".log-row .m") == "ERROR: payment <failed>"
    assert page.count(".log-row .m b, .log-row .m failed") == 0

    # word search (the default mode is words)
    page.fill(".f-search", "payment")
    page.submit(".filters")
    page.wait("document.querySelectorAll('.log-row').length === 1")
    assert page.text(".log-row .m") == "ERROR: payment <failed>"
    assert "search=payment" in page.url()
    # FTS syntax error shows the detail under the box
    page.fill(".f-search", "payment AND")
    page.click(".f-fts")
    page.submit(".filters")
    page.wait("!document.querySelector('.search-error').classList.contains('hidden')")
    assert page.text(".search-error").startswith("Invalid search query: ")
    page.click(".f-fts")
    page.fill(".f-search", "")
    # level filter "≥ WARNING"
    page.select(".f-level", ">=WARNING")
    page.wait("document.querySelectorAll('.log-row').length === 2")
    assert "level=%3E%3DWARNING" in page.url()
    # stream filter
    page.select(".f-stream", "stderr")
    page.wait("document.querySelectorAll('.log-row').length === 1")
    assert page.text(".log-row .c") == "worker"

    # expand a row: full message, id, stream, container, copy button
    page.click(".log-row")
    page.wait("document.querySelector('.log-detail .log-message')")
    assert page.text(".log-detail .log-message") == "WARNING disk almost full"
    assert "stderr" in page.text(".log-detail dl")
    assert page.count(".log-detail .copy-btn") == 1

    # live tail, only stderr of the filter: a new stdout line must not appear, a new stderr line must
    page.select(".f-level", "")
    page.wait("document.querySelectorAll('.log-row').length === 2")
    page.click(".tail-toggle")
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'")
    assert "tail=1" in page.url()
    docker.write("a1", "stdout line not in the filter")
    docker.write("b1", "live line one", stream="stderr")
    page.wait("document.querySelector('.log-row .m').textContent === 'live line one'")
    docker.write("b1", "live line two\n  indented continuation", stream="stderr")
    page.wait("document.querySelector('.log-row .m').textContent.startsWith('live line two')")
    assert page.count(".log-row") == 4
    assert not page.eval("[...document.querySelectorAll('.log-row .m')].some(e => e.textContent.includes('not in the filter'))")
    # stop closes the stream
    page.click(".tail-stop")
    assert page.visible(".tail-bar") is False
    docker.write("b1", "after stop", stream="stderr")
    wait_logs(h, 8)
    time.sleep(0.5)
    assert page.text(".log-row .m").startswith("live line two")
    assert_clean(page)


def test_load_older_and_tail_reconnects_after_restart(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    h = start(host_factory, docker)
    docker.write("a1", *[f"line {i:03d}" for i in range(130)])
    wait_logs(h, 130)
    page.goto(h.url("log-viewer") + "/")
    page.eval(f"localStorage.setItem('monlight.log-viewer.api_key', {json.dumps(h.key('log-viewer'))})")
    page.goto(h.url("log-viewer") + "/")
    page.wait("document.querySelectorAll('.log-row').length === 100")
    assert page.text(".result-info") == "100 of 130 matching entries"
    page.click(".load-older")
    page.wait("document.querySelectorAll('.log-row').length === 130")
    assert page.eval("document.querySelector('.log-row:last-child .m').textContent") == "line 000"
    assert not page.visible(".load-older")

    page.click(".tail-toggle")
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'")
    docker.write("a1", "first live line")
    page.wait("document.querySelector('.log-row .m').textContent === 'first live line'")
    assert not page.visible(".new-count")
    # scrolled away from the top: a counter of new entries appears; clicking it scrolls back up
    page.eval("window.scrollTo(0, 1500)")
    page.wait("window.scrollY > 100")
    docker.write("a1", "while scrolled 1", "while scrolled 2")
    page.wait("document.querySelector('.new-count').textContent === '2 new'")
    assert page.visible(".new-count")
    page.click(".new-count")
    page.wait("window.scrollY === 0")
    assert not page.visible(".new-count")
    page.wait("document.querySelector('.log-row .m').textContent === 'while scrolled 2'")
    docker.write("a1", "before restart")
    page.wait("document.querySelectorAll('.log-row .m')[0].textContent === 'before restart' && "
              "document.querySelectorAll('.log-row .m')[1].textContent === 'while scrolled 2'")
    # the server closes the stream on shutdown: the page shows why and reconnects once after 3 s,
    # resuming after the last id it saw, so the line written while the host was down is not lost
    assert h.stop() == 0
    page.wait("document.querySelector('.tail-status').textContent.includes('shutdown') || "
              "document.querySelector('.tail-status').textContent.includes('connection lost')")
    assert "reconnecting in 3 s" in page.text(".tail-status")
    docker.write("a1", "while down")
    h.start()
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'", timeout=10)
    page.wait("document.querySelector('.log-row .m').textContent === 'while down'", timeout=10)
    docker.write("a1", "after restart")
    page.wait("document.querySelector('.log-row .m').textContent === 'after restart'")
    msgs = page.eval("[...document.querySelectorAll('.log-row .m')].slice(0, 4).map(e => e.textContent)")
    assert msgs == ["after restart", "while down", "before restart", "while scrolled 2"]


def test_posted_entry_shows_trace_id_and_attributes(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    h = start(host_factory, docker)
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps([
        {"message": "charged <card>", "source": "billing", "trace_id": "0af7651916cd43dd8448eb211c80319c",
         "attributes": {"user_id": 42, "plan": "<gold>"}}]).encode(), {"Content-Type": "application/json"})
    assert r.status == 202, r
    page.goto(h.url("log-viewer") + "/")
    enter_key(page, h.key("log-viewer"))
    page.wait("document.querySelectorAll('.log-row').length === 1")
    page.click(".log-row")
    page.wait("document.querySelector('.log-detail .log-message')")
    text = page.text(".log-detail dl")
    assert "0af7651916cd43dd8448eb211c80319c" in text and "user_id" in text and "42" in text and "<gold>" in text
    assert page.count(".log-detail dl gold") == 0  # attribute values stay text
    assert_clean(page)


# ---- issue 15: bugs seen with realistic data ----

def post_logs(h, entries):
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps(entries).encode(), {"Content-Type": "application/json"})
    assert r.status == 202, r


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000Z"


def open_viewer(h, page, query=""):
    page.goto(h.url("log-viewer") + "/")
    page.eval(f"localStorage.setItem('monlight.log-viewer.api_key', {json.dumps(h.key('log-viewer'))})")
    page.goto(h.url("log-viewer") + "/" + query)


def test_newest_first_is_time_order_not_ingest_order(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    h = start(host_factory, docker)
    now = time.time()
    post_logs(h, [{"message": "recent line", "source": "web", "timestamp": iso(now - 5)}])
    # a backlog arrives later with older lines
    post_logs(h, [{"message": f"backlog {i}", "source": "worker", "timestamp": iso(now - 600 + i)} for i in range(3)])
    open_viewer(h, page)
    page.wait("document.querySelectorAll('.log-row').length === 4")
    msgs = page.eval("[...document.querySelectorAll('.log-row .m')].map(e => e.textContent)")
    assert msgs == ["recent line", "backlog 2", "backlog 1", "backlog 0"], msgs
    assert_clean(page)


def test_load_older_after_live_tail_has_no_duplicates(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    h = start(host_factory, docker)
    docker.write("a1", *[f"line {i:03d}" for i in range(130)])
    wait_logs(h, 130)
    open_viewer(h, page)
    page.wait("document.querySelectorAll('.log-row').length === 100")
    page.click(".tail-toggle")
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'")
    docker.write("a1", "live 1", "live 2", "live 3")
    page.wait("document.querySelectorAll('.log-row').length === 103")
    page.click(".load-older")
    page.wait("!document.querySelector('.load-older') || document.querySelector('.load-older').classList.contains('hidden')")
    time.sleep(0.3)
    ids = page.eval("[...document.querySelectorAll('.log-row')].map(r => r.dataset.id)")
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicated rows"
    assert len(ids) == 133
    assert page.eval("document.querySelector('.log-row:last-child .m').textContent") == "line 000"
    assert_clean(page)


def test_live_tail_honours_search_and_refreshes_header_counts(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    h = start(host_factory, docker)
    docker.write("a1", "payment accepted", "unrelated")
    wait_logs(h, 2)
    open_viewer(h, page, "?search=payment")
    page.wait("document.querySelectorAll('.log-row').length === 1")
    page.wait("document.querySelector('.st-total').textContent === '2'")
    page.click(".tail-toggle")
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'")
    docker.write("a1", "another unrelated line", "payment declined")
    page.wait("document.querySelector('.log-row .m').textContent === 'payment declined'")
    # the header counts follow the tail (4 entries in the store now)
    page.wait("document.querySelector('.st-total').textContent === '4'", timeout=5)
    docker.write("a1", "still unrelated")
    wait_logs(h, 5)
    time.sleep(1.0)
    msgs = page.eval("[...document.querySelectorAll('.log-row .m')].map(e => e.textContent)")
    assert msgs == ["payment declined", "payment accepted"], msgs
    assert_clean(page)


def test_failed_query_clears_the_rows_of_the_old_filters(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    h = start(host_factory, docker)
    docker.write("a1", "payment accepted", "other")
    wait_logs(h, 2)
    open_viewer(h, page)
    page.wait("document.querySelectorAll('.log-row').length === 2")
    page.fill(".f-search", "payment AND")
    page.click(".f-fts")
    page.submit(".filters")
    page.wait("!document.querySelector('.search-error').classList.contains('hidden')")
    assert page.count(".log-row") == 0
    assert page.text(".log-list").startswith("Query failed: Invalid search query")
    assert page.text(".result-info") == ""
    assert_clean(page)


def test_json_lines_tints_wrap_milliseconds_and_pause(host_factory, page, tmp_path):
    """Issue 15 feature 5: JSON lines as text + field chips (pretty-printed when expanded), ERROR/WARNING rows
    tinted, milliseconds shown, a wrap toggle kept in the URL, and pause/resume of the live tail."""
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    h = start(host_factory, docker)
    docker.write("a1", json.dumps({"msg": "order <placed>", "order_id": 42, "user": {"id": 7}}),
                 "ERROR: payment failed", "WARNING slow query", "line one\n  continued")
    wait_logs(h, 4)
    open_viewer(h, page)
    page.wait("document.querySelectorAll('.log-row').length === 4")
    row = "[...document.querySelectorAll('.log-row')].find(r => r.textContent.includes('order'))"
    assert page.eval(f"{row}.querySelector('.m').childNodes[0].textContent") == "order <placed> "
    assert page.eval(f"[...{row}.querySelectorAll('.json-chip')].map(c => c.textContent)") == \
        ["order_id=42", 'user={"id":7}']
    assert page.count(".log-row .m placed") == 0
    assert page.count(".log-row.row-ERROR") == 1 and page.count(".log-row.row-WARNING") == 1
    bg = page.eval("getComputedStyle(document.querySelector('.log-row.row-ERROR')).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent"), bg
    assert page.eval("/\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$/.test(document.querySelector('.log-row .t').textContent)")
    # expanded JSON is pretty-printed
    page.eval(f"{row}.click()")
    page.wait("document.querySelector('.log-detail .log-message')")
    assert page.text(".log-detail .log-message").startswith('{\n  "msg": "order <placed>",')
    # wrap: the whole multi-line message, wrapped, and the choice in the URL
    multi = "[...document.querySelectorAll('.log-row .m')].find(m => m.textContent.startsWith('line one'))"
    assert page.eval(f"{multi}.textContent") == "line one …"
    page.click(".f-wrap")
    page.wait(f"{multi}.textContent === 'line one\\n  continued'")
    assert "wrap=1" in page.url()
    assert page.eval(f"getComputedStyle({multi}).whiteSpace") == "pre-wrap"

    # pause holds live lines back, resume shows them
    page.click(".tail-toggle")
    page.wait("document.querySelector('.tail-status').textContent === 'Live tail: connected'")
    page.click(".tail-pause")
    docker.write("a1", "while paused 1", "while paused 2")
    page.wait("document.querySelector('.tail-pause').textContent === 'Resume (2 new)'")
    assert page.count(".log-row") == 4
    page.click(".tail-pause")
    page.wait("document.querySelectorAll('.log-row').length === 6 && "
              "document.querySelector('.log-row .m').textContent === 'while paused 2'")
    assert page.text(".tail-pause") == "Pause"
    assert_clean(page)


def test_download_the_current_result(host_factory, page, tmp_path):
    docker = Docker(tmp_path / "containers")
    docker.add("a1", "web")
    h = start(host_factory, docker)
    docker.write("a1", "first <line>", "second\n  continued", "other")
    wait_logs(h, 3)
    open_viewer(h, page, "?search=first%20OR%20second&fts=1")
    page.wait("document.querySelectorAll('.log-row').length === 2")
    # capture the file the button hands to the browser
    page.eval("window.__dl = null; const orig = URL.createObjectURL; URL.createObjectURL = function (b) {"
              " b.text().then(t => { window.__dl = t; }); return orig(b); };"
              "document.addEventListener('click', e => { if (e.target.download) window.__name = e.target.download; }, true);")
    page.click(".download")
    page.wait("window.__dl !== null")
    lines = page.eval("window.__dl").splitlines()
    assert len(lines) == 3, lines
    assert lines[0].endswith(" web stdout INFO second") and lines[1] == "      continued"  # indented under its entry
    assert lines[2].endswith(" web stdout INFO first <line>")
    assert page.eval("window.__name").startswith("logs-") and page.eval("window.__name").endswith(".log")
    assert_clean(page)
