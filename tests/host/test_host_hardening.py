"""HTTP-layer hardening of issue 13: slow request heads (slowloris), bounded method labels on /metrics, strict
request framing (chunked bodies, Content-Length), and exclusive listening ports."""
import re
import socket
import threading
import time

from hostnet import jbody, raw_exchange, read_response
from monlight_test import http

P = "fixture-good"


class Trickler:
    """Sockets that send a request head one byte at a time and never finish it (slowloris)."""

    def __init__(self, port, count, interval=0.3):
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
        self.closed_at = [None] * count
        self.interval = interval
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        head = b"GET /api/hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
        i = 0
        while not self._stop.is_set() and i < len(head):
            for n, s in enumerate(self.socks):
                if self.closed_at[n] is not None:
                    continue
                try:
                    s.sendall(head[i:i + 1])
                except OSError:
                    self.closed_at[n] = time.monotonic() - self._started
                    continue
                # A closed connection shows as EOF on a non-blocking read.
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        self.closed_at[n] = time.monotonic() - self._started
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed_at[n] = time.monotonic() - self._started
                finally:
                    s.setblocking(True)
            i += 1
            self._stop.wait(self.interval)

    def open_count(self):
        return sum(1 for c in self.closed_at if c is None)

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        for s in self.socks:
            s.close()


def metric(text, family, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(family + "{") and want in line:
            return float(line.rsplit(" ", 1)[1])
    return None


# --- 1. Slowloris ----------------------------------------------------------------------------------------------


def test_slow_request_heads_are_cut_and_starvation_is_reported(fixture_host):
    """Two clients trickling header bytes take both workers; Poco's per-recv timeout never fires. The head deadline
    frees the workers, and while they are taken the combined /health says the listener is starved."""
    h = fixture_host(combined=True,
                     config={f"{P}.max_threads": "2", "host.request_head_timeout_seconds": "3",
                             "host.max_pending_heads_per_ip": "0", "host.self_metrics": "public"})
    port = h.ports[P]
    slow = Trickler(port, 2)
    try:
        time.sleep(1.4)  # starvation counts heads that have waited over a second
        assert slow.open_count() == 2
        r = http("GET", h.url() + "/health")
        assert r.status == 503, r
        assert r.json()["detail"] == "listener starved"
        assert r.json()["plugins"][P] == "error"
        # A valid request waits for a worker only until the head deadline of the slow clients.
        started = time.monotonic()
        r = h.request(P, "GET", "/api/hello", timeout=6)
        assert r.status == 200
        assert time.monotonic() - started < 3
        deadline = time.monotonic() + 3
        while slow.open_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert slow.open_count() == 0
        assert all(2.5 <= c <= 5 for c in slow.closed_at), slow.closed_at
    finally:
        slow.stop()
    text = http("GET", h.url() + "/metrics").body.decode()
    assert metric(text, "monlight_http_head_timeouts_total", listener=P, reason="deadline") == 2
    assert metric(text, "monlight_http_listener_starved", listener=P) is not None
    assert metric(text, "monlight_http_pending_heads", listener=P) == 0
    assert metric(text, "monlight_http_busy_workers", listener="host") >= 1
    # One warning for both cuts (§0.16: at most one line per minute and cause).
    cut_lines = [line for line in h.log().splitlines() if "request head not complete within 3 s" in line]
    assert len(cut_lines) == 1 and "WARN" in cut_lines[0], cut_lines
    # Starvation is reported for a short while only; then both health endpoints are ok again.
    time.sleep(2.2)
    assert http("GET", h.url() + "/health").status == 200
    assert h.request(P, "GET", "/health", key=False).status == 200


def test_starved_listener_reports_it_on_its_own_health(fixture_host):
    h = fixture_host(config={f"{P}.max_threads": "2", "host.request_head_timeout_seconds": "2",
                             "host.max_pending_heads_per_ip": "0"})
    slow = Trickler(h.ports[P], 2)
    try:
        time.sleep(0.5)
        # Queued behind the slow clients, answered once the deadline freed a worker, and it says why it waited.
        r = h.request(P, "GET", "/health", key=False, timeout=6)
        assert r.status == 503
        assert r.json() == {"status": "error", "service": P, "version": r.json()["version"],
                            "detail": "listener starved"}
    finally:
        slow.stop()


def test_connection_that_sends_nothing_is_closed_at_the_head_deadline(fixture_host):
    h = fixture_host(config={"host.request_head_timeout_seconds": "1"})
    s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
    try:
        started = time.monotonic()
        try:
            assert s.recv(1) == b""
        except ConnectionResetError:
            pass
        assert 0.8 <= time.monotonic() - started < 4  # not request_timeout_seconds (30 s)
    finally:
        s.close()


def test_keep_alive_connection_stays_usable_within_the_deadline(fixture_host):
    """The deadline covers a request head, not the idle time between keep-alive requests."""
    h = fixture_host(config={"host.request_head_timeout_seconds": "1", "host.keep_alive_timeout_seconds": "5"})
    s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
    try:
        req = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall(req)
        status, _, _, closed = read_response(s)
        assert status == 200 and not closed
        time.sleep(1.5)  # idle longer than the head deadline (read_response waited 1 s already)
        s.settimeout(10)
        s.sendall(req)
        status, _, _, _ = read_response(s)
        assert status == 200
    finally:
        s.close()


def test_one_address_cannot_hold_every_worker(fixture_host):
    """Beyond host.max_pending_heads_per_ip slow heads from one IP (after a 1 s grace), the newest are cut at once,
    long before the head deadline, and other requests keep being served."""
    h = fixture_host(config={f"{P}.max_threads": "4", "host.request_head_timeout_seconds": "20",
                             "host.max_pending_heads_per_ip": "1", "host.self_metrics": "public"})
    slow = Trickler(h.ports[P], 3, interval=0.2)
    try:
        deadline = time.monotonic() + 5
        while slow.open_count() > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert slow.open_count() == 1
        assert all(c is None or c < 4 for c in slow.closed_at), slow.closed_at
        started = time.monotonic()
        assert h.request(P, "GET", "/api/hello", timeout=5).status == 200
        assert time.monotonic() - started < 1
        text = h.request(P, "GET", "/metrics", key=False).body.decode()
        assert metric(text, "monlight_http_head_timeouts_total", listener=P, reason="ip_cap") == 2
        assert metric(text, "monlight_http_pending_heads", listener=P) == 1
        cut_lines = [line for line in h.log().splitlines() if "max_pending_heads_per_ip" in line]
        assert len(cut_lines) == 1, cut_lines
    finally:
        slow.stop()


# --- 2. Method labels ------------------------------------------------------------------------------------------


def test_unknown_methods_share_one_metrics_label(fixture_host):
    h = fixture_host(config={"host.self_metrics": "public"})
    port = h.ports[P]
    for i in range(40):
        status, _, _, _ = raw_exchange(port, f"XMETHOD{i} /api/hello HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert status == 405
    assert h.request(P, "PATCH", "/api/hello").status == 405
    text = h.request(P, "GET", "/metrics", key=False).body.decode()
    assert "XMETHOD" not in text
    assert metric(text, "monlight_http_requests_total", plugin=P, route="other", method="other",
                  status="405") == 40
    assert metric(text, "monlight_http_requests_total", plugin=P, route="other", method="PATCH",
                  status="405") == 1


# --- 4. Chunked framing and Content-Length ----------------------------------------------------------------------


def _head(h, extra=""):
    return (f"POST /api/items HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\nContent-Type: application/json\r\n"
            f"{extra}\r\n").encode()


def _next_item_id(h):
    r = h.request(P, "POST", "/api/items", body={"text": "probe"})
    assert r.status == 201
    return r.json()["id"]


def test_malformed_chunk_size_cannot_smuggle_a_request(fixture_host):
    h = fixture_host()
    smuggled = f"GET /api/hello HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\n\r\n".encode()
    # Poco 1.11 stopped the body at the first non-hex character and then answered the GET with 200.
    for bad_size in (b"x", b"zz\r\n", b"5 x\r\n"):
        s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
        try:
            s.sendall(_head(h, "Transfer-Encoding: chunked\r\n") + bad_size + smuggled)
            status, headers, body, closed = read_response(s)
            assert status == 400 and jbody(body) == {"detail": "Bad request"}, bad_size
            assert headers["connection"].lower() == "close"
            assert closed, bad_size  # no second response: the smuggled GET was never run
        finally:
            s.close()


def test_body_truncated_inside_a_chunk_is_not_stored(fixture_host):
    h = fixture_host()
    first = _next_item_id(h)
    s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
    try:
        # The chunk announces 0x40 bytes; a complete JSON object arrives, then the client stops sending.
        s.sendall(_head(h, "Transfer-Encoding: chunked\r\n") + b'40\r\n{"text":"truncated"}')
        s.shutdown(socket.SHUT_WR)
        status, headers, body, _ = read_response(s)
        assert status == 400 and jbody(body) == {"detail": "Bad request"}
        assert headers["connection"].lower() == "close"
    finally:
        s.close()
    assert _next_item_id(h) == first + 1  # nothing was stored in between


def test_chunked_body_then_pipelined_request_on_keep_alive(fixture_host):
    """Strict framing reads exactly the body: a pipelined request after a valid chunked body is served."""
    h = fixture_host()
    body = b'{"text":"chunked"}'
    chunked = b"5;ext=1\r\n" + body[:5] + b"\r\n" + f"{len(body) - 5:x}".encode() + b"\r\n" + body[5:] + \
        b"\r\n0\r\nX-Trailer: 1\r\n\r\n"
    nxt = f"GET /api/hello HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\n\r\n".encode()
    s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
    try:
        s.sendall(_head(h, "Transfer-Encoding: chunked\r\n") + chunked + nxt)
        data = b""
        while data.count(b"HTTP/1.1 ") < 2 or not data.endswith(b"}"):
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
    finally:
        s.close()
    first, second = data.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"201 ") and b"Connection: Keep-Alive" in first
    assert second.startswith(b"200 ") and second.endswith(b'{"hello":"world","answer":42}')


def test_conflicting_content_lengths_are_rejected(fixture_host):
    h = fixture_host()
    first = _next_item_id(h)
    port = h.ports[P]
    body = b'{"text":"two lengths"}'
    for extra in (f"Content-Length: {len(body)}\r\nContent-Length: 5\r\n",
                  f"Content-Length: 5\r\nContent-Length: {len(body)}\r\n",
                  f"Content-Length: +{len(body)}\r\n",
                  f"Transfer-Encoding: chunked\r\nContent-Length: {len(body)}\r\n",
                  f"Transfer-Encoding: gzip, chunked\r\nContent-Length: {len(body)}\r\n",
                  "Transfer-Encoding: identity\r\n"):
        status, headers, rbody, closed = raw_exchange(port, _head(h, extra) + body)
        assert status == 400, extra
        assert jbody(rbody) == {"detail": "Bad request"}, extra
        assert headers["connection"].lower() == "close" and closed, extra
    # Repeating the same length is unambiguous and accepted.
    status, _, _, _ = raw_exchange(port, _head(h, f"Content-Length: {len(body)}\r\nContent-Length: {len(body)}\r\n")
                                   + body)
    assert status == 201
    assert _next_item_id(h) == first + 2


# --- 9. Malformed Content-Length ---------------------------------------------------------------------------------


def test_malformed_content_length_gets_400_and_one_log_line(fixture_host):
    h = fixture_host()
    port = h.ports[P]
    for i in range(20):
        status, headers, body, closed = raw_exchange(
            port, f"POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc{i}\r\n\r\n".encode())
        assert status == 400
        assert body == b'{"detail":"Bad request"}'
        assert headers["connection"].lower() == "close" and closed
        assert headers["content-type"] == "application/json"
        assert headers["x-content-type-options"] == "nosniff"
        assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])
    assert h.request(P, "GET", "/api/hello").status == 200
    time.sleep(0.3)
    log = h.log()
    lines = [line for line in log.splitlines() if "Content-Length" in line]
    assert len(lines) == 1, lines
    assert "WARN" in lines[0] and "12abc" not in lines[0]
    assert "ERROR" not in log


# --- 12. Exclusive ports -----------------------------------------------------------------------------------------


def test_second_host_on_the_same_port_exits_71(fixture_host):
    first = fixture_host()
    port = first.ports[P]
    second = fixture_host(config={f"{P}.listen": f"127.0.0.1:{port}"}, start=False)
    second.start(wait=False)
    try:
        code = second.proc.wait(15)
    except Exception:
        second.kill()
        raise
    assert code == 71
    assert f"monlight-host: listen error: {P}.listen=127.0.0.1:{port}: Address already in use" in second.log()
    assert first.request(P, "GET", "/api/hello").status == 200
