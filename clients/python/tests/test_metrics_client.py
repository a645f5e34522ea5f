import json
import logging
import re
import threading
import time

import httpx
import pytest

from monlight import MetricsClient
from monlight import _batch, _http

from sdkmock import Recorder
from monlight_test import VERSION

ACCEPTED = httpx.Response(202, json={"status": "accepted"})
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def no_sleep(monkeypatch):
    delays = []
    monkeypatch.setattr(_http.time, "sleep", lambda d: delays.append(d))
    return delays


def client(rec, **kw):
    kw.setdefault("flush_interval", 3600)
    return MetricsClient("http://mc:5012/", "KEY", transport=httpx.MockTransport(rec), **kw)


def sent_points(rec):
    return [p for b in rec.bodies() for p in b]


@pytest.mark.parametrize("kwargs", [{"base_url": "", "api_key": "k"}, {"base_url": "http://x", "api_key": ""}])
def test_empty_base_url_or_key_is_value_error(kwargs):
    with pytest.raises(ValueError):
        MetricsClient(**kwargs)


def test_seed_usage_and_point_format():
    rec = Recorder(ACCEPTED)
    metrics = MetricsClient(base_url="http://localhost:5012", api_key="KEY", flush_interval=10.0,
                            transport=httpx.MockTransport(rec))
    metrics.start()
    metrics.counter("requests", labels={"method": "GET"})
    metrics.histogram("duration", 0.42, labels={"endpoint": "/api"})
    metrics.gauge("connections", 15)
    metrics.counter("flags", labels={"ok": True, "n": 3, "ratio": 0.5}, value=2)
    metrics.shutdown()
    assert len(rec.requests) == 1
    req = rec.requests[0]
    assert str(req.url) == "http://localhost:5012/api/metrics" and req.method == "POST"
    assert req.headers["x-api-key"] == "KEY" and req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"] == f"monlight-python/{VERSION}"
    body = json.loads(req.content)
    assert isinstance(body, list)  # a bare array
    for p in body:
        assert TS.match(p.pop("timestamp"))
    assert body == [
        {"name": "requests", "type": "counter", "value": 1, "labels": {"method": "GET"}},
        {"name": "duration", "type": "histogram", "value": 0.42, "labels": {"endpoint": "/api"}},
        {"name": "connections", "type": "gauge", "value": 15},  # no labels key when there are none, no project
        {"name": "flags", "type": "counter", "value": 2, "labels": {"ok": True, "n": 3, "ratio": 0.5}},
    ]
    assert metrics.dropped_count == 0 and metrics.sent_count == 4


def test_project_is_added_when_set():
    rec = Recorder(ACCEPTED)
    m = client(rec, project="shop")
    m.gauge("g", 1, labels={})
    m.flush()
    assert sent_points(rec)[0]["project"] == "shop" and "labels" not in sent_points(rec)[0]


def test_buffer_is_bounded_and_drops_the_oldest(caplog):
    rec = Recorder(ACCEPTED)
    m = client(rec, max_buffer=5)
    with caplog.at_level(logging.WARNING, logger="monlight.metrics_client"):
        for i in range(8):
            m.gauge("g", i)
    assert m.dropped_count == 3 and m.pending_count == 5
    warnings = [r for r in caplog.records if "buffer full" in r.getMessage()]
    assert len(warnings) == 1  # at most one warning a minute
    m.flush()
    assert [p["value"] for p in sent_points(rec)] == [3, 4, 5, 6, 7]


def test_chunks_of_at_most_max_batch_items():
    rec = Recorder(ACCEPTED)
    m = client(rec)
    for i in range(2500):
        m.counter("c", value=i)
    m.flush()
    sizes = [len(b) for b in rec.bodies()]
    assert sizes == [1000, 1000, 500]
    assert [p["value"] for p in sent_points(rec)] == list(range(2500))  # in order, nothing lost
    assert m.batches_sent == 3 and m.sent_count == 2500


def test_chunks_of_at_most_max_batch_bytes():
    rec = Recorder(ACCEPTED)
    m = client(rec, max_batch_bytes=5000)
    for i in range(300):
        m.histogram("http_request_duration_seconds", i / 7, labels={"endpoint": f"/items/{i}", "method": "GET"})
    m.flush()
    lengths = [len(r.content) for r in rec.requests]
    assert len(lengths) > 10 and max(lengths) <= 5000
    assert len(sent_points(rec)) == 300 and m.dropped_count == 0


def test_a_point_larger_than_a_batch_is_dropped_alone():
    rec = Recorder(ACCEPTED)
    m = client(rec, max_batch_bytes=2000)
    m.gauge("small", 1)
    m.gauge("big", 1, labels={"k": "x" * 900, "k2": "y" * 900, "k3": "z" * 900})
    m.gauge("small", 2)
    m.flush()
    assert [p["value"] for p in sent_points(rec)] == [1, 2] and m.dropped_count == 1


def test_invalid_points_are_dropped_without_raising():
    rec = Recorder(ACCEPTED)
    m = client(rec)
    m.gauge("", 1)
    m.gauge("bad\nname", 1)
    m.gauge("g", float("nan"))
    m.gauge("g", "abc")
    m.gauge("g", 1, labels={"k": None})
    m.gauge("g", 1, labels="not-a-dict")
    m.counter("ok", value=True)  # bool counts as 1
    m.gauge("ok2", 1, labels={"obj": object()})  # unknown label value -> its str()
    assert m.dropped_count == 6
    m.flush()
    pts = sent_points(rec)
    assert [p["name"] for p in pts] == ["ok", "ok2"] and pts[0]["value"] == 1
    assert pts[1]["labels"]["obj"].startswith("<object")


def test_429_retry_after_honoured_and_capped(no_sleep):
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "Rate limit exceeded"}),
                   httpx.Response(429, headers={"Retry-After": "600"}), ACCEPTED)
    m = client(rec)
    m.gauge("g", 1)
    m.flush()
    assert no_sleep == [2.0, 60.0]  # the server's delay, capped at 60 s
    assert len(rec.requests) == 3 and m.sent_count == 1 and m.pending_count == 0


def test_backoff_doubles_with_jitter(no_sleep):
    rec = Recorder(httpx.Response(500), httpx.Response(503), httpx.ConnectError("refused"), ACCEPTED)
    m = client(rec, max_retries=3)
    m.gauge("g", 1)
    m.flush()
    assert len(no_sleep) == 3
    for attempt, d in enumerate(no_sleep):
        assert 0.8 * 2 ** attempt <= d <= 1.2 * 2 ** attempt
    assert m.sent_count == 1
    for attempt in range(12):
        d = _http.backoff_delay(attempt, 1.0, 60.0)
        assert min(60.0, 2 ** attempt) * 0.8 <= d <= 60.0


def test_failed_chunk_goes_back_in_front_with_the_rest(no_sleep):
    state = {"down": True}
    rec_ok = Recorder(ACCEPTED)

    def handler(request):
        if state["down"]:
            raise httpx.ConnectError("refused")
        return rec_ok(request)

    m = MetricsClient("http://mc", "K", flush_interval=3600, max_retries=1, transport=httpx.MockTransport(handler))
    for i in range(1500):
        m.counter("c", value=i)
    m.flush()
    assert m.pending_count == 1500 and m.dropped_count == 0 and len(no_sleep) == 1
    m.counter("c", value=1500)  # recorded while down, after the failed flush: stays behind the older points
    state["down"] = False
    m.flush()
    assert [p["value"] for p in sent_points(rec_ok)] == list(range(1501))
    assert m.pending_count == 0 and m.dropped_count == 0


def test_requeue_respects_max_buffer(no_sleep):
    m = MetricsClient("http://mc", "K", flush_interval=3600, max_retries=0, max_buffer=10,
                      transport=httpx.MockTransport(Recorder(httpx.Response(503))))
    for i in range(10):
        m.gauge("g", i)
    m.flush()
    assert m.pending_count == 10 and m.dropped_count == 0
    for i in range(4):
        m.gauge("g", 10 + i)
    assert m.pending_count == 10 and m.dropped_count == 4  # oldest dropped first
    assert [p["value"] for p in m._sender._buf] == list(range(4, 14))


def test_refused_chunk_is_dropped_not_retried(no_sleep, caplog):
    rec = Recorder(httpx.Response(400, json={"detail": "Missing required field: value", "index": 0}), ACCEPTED)
    m = client(rec, max_batch_items=2)
    for i in range(4):
        m.gauge("g", i)
    with caplog.at_level(logging.WARNING, logger="monlight.metrics_client"):
        m.flush()
    assert len(rec.requests) == 2 and no_sleep == []
    assert m.dropped_count == 2 and m.sent_count == 2 and m.pending_count == 0
    assert any("400" in r.getMessage() and "Missing required field" in r.getMessage() for r in caplog.records)


def test_shutdown_without_start_flushes_and_is_idempotent():
    rec = Recorder(ACCEPTED)
    m = client(rec)
    m.gauge("g", 1)
    m.shutdown()
    m.shutdown()
    assert len(rec.requests) == 1
    m.gauge("late", 1)  # after shutdown: dropped, counted, no exception
    assert m.dropped_count == 1
    m.start()  # after shutdown: no thread
    assert m._sender._thread is None


def test_shutdown_respects_its_deadline_when_the_host_is_down():
    calls = []

    def refused(request):
        calls.append(time.monotonic())
        raise httpx.ConnectError("refused")

    m = MetricsClient("http://mc", "K", flush_interval=3600, max_retries=10, transport=httpx.MockTransport(refused))
    for i in range(50):
        m.gauge("g", i)
    t0 = time.monotonic()
    m.shutdown(timeout=1.5)
    elapsed = time.monotonic() - t0
    assert 0.5 < elapsed < 2.5  # retried (1 s backoff) and stopped at the deadline
    assert len(calls) >= 2
    assert m.dropped_count == 50 and m.pending_count == 0


def test_start_is_idempotent_and_the_thread_flushes():
    rec = Recorder(ACCEPTED)
    m = client(rec, flush_interval=0.05)
    m.start()
    m.start()
    threads = [t for t in threading.enumerate() if t.name == "monlight-metrics" and t.is_alive()]
    assert len(threads) >= 1 and m._sender._thread in threads
    t = m._sender._thread
    assert t.daemon
    m.gauge("g", 1)
    deadline = time.time() + 5
    while m.sent_count < 1 and time.time() < deadline:
        time.sleep(0.01)
    assert m.sent_count == 1
    m.shutdown()
    assert not t.is_alive()


def test_recording_never_waits_for_the_network():
    """While a flush is stuck on a slow collector, recording stays fast (a request path never waits)."""
    release = threading.Event()
    started = threading.Event()

    def slow(request):
        started.set()
        release.wait(10)
        return httpx.Response(202, json={})

    m = MetricsClient("http://mc", "K", flush_interval=0.01, transport=httpx.MockTransport(slow))
    m.start()
    m.gauge("first", 1)
    assert started.wait(5)
    t0 = time.perf_counter()
    for i in range(2000):
        m.counter("c", labels={"i": i % 10})
    elapsed = time.perf_counter() - t0
    assert m.pending_count == 2001  # 2000 buffered + 1 in the flush under way
    release.set()
    m.shutdown()
    assert elapsed < 0.5, elapsed
    assert m.sent_count == 2001


def test_concurrent_flushes_are_serialised():
    active = {"n": 0, "max": 0}
    lock = threading.Lock()

    def handler(request):
        with lock:
            active["n"] += 1
            active["max"] = max(active["max"], active["n"])
        time.sleep(0.02)
        with lock:
            active["n"] -= 1
        return httpx.Response(202, json={})

    m = MetricsClient("http://mc", "K", flush_interval=3600, max_batch_items=10,
                      transport=httpx.MockTransport(handler))
    for i in range(100):
        m.gauge("g", i)
    threads = [threading.Thread(target=m.flush) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert active["max"] == 1 and m.sent_count == 100


def test_live_senders_are_shut_down_at_exit():
    rec = Recorder(ACCEPTED)
    m = client(rec)
    m.gauge("g", 1)
    assert m._sender in _batch._live
    _batch._shutdown_all_at_exit()  # what the atexit hook runs
    assert len(rec.requests) == 1 and m._sender not in _batch._live


def test_timestamp_format():
    assert _http.utc_timestamp(0) == "1970-01-01T00:00:00.000Z"
    assert _http.utc_timestamp(1764064800.1239) == "2025-11-25T10:00:00.123Z"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_thread_and_an_empty_buffer():
    import os
    rec = Recorder(ACCEPTED)
    m = client(rec, flush_interval=0.05)
    m.start()
    with m._sender._lock:  # hold the parent's buffer lock across the fork: the child must not inherit it locked
        m._sender._buf.append({"name": "parent", "type": "gauge", "value": 1, "timestamp": "2026-01-01T00:00:00Z"})
        pid = os.fork()
        if pid == 0:  # child: report through the exit status only
            code = 1
            try:
                ok = m.pending_count == 0 and m._sender._thread is not None and m._sender._thread.is_alive()
                m.gauge("child", 2)
                deadline = time.time() + 5
                while m.sent_count < 1 and time.time() < deadline:
                    time.sleep(0.01)
                names = [p["name"] for p in sent_points(rec)]
                code = 0 if ok and names == ["child"] else 2
            finally:
                os._exit(code)
    deadline = time.time() + 15
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done or time.time() > deadline:
            break
        time.sleep(0.02)
    if not done:  # a child stuck on an inherited lock
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    m.shutdown()
    assert done and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert [p["name"] for p in sent_points(rec)] == ["parent"]  # the parent's point is sent once, by the parent


def test_a_flush_outliving_shutdown_counts_its_points_as_dropped():
    release = threading.Event()
    started = threading.Event()

    def stuck(request):
        started.set()
        release.wait(10)
        return httpx.Response(503)

    m = MetricsClient("http://mc", "K", flush_interval=0.01, transport=httpx.MockTransport(stuck))
    m.start()
    for i in range(10):
        m.gauge("g", i)
    assert started.wait(5)
    t0 = time.monotonic()
    m.shutdown(timeout=0.3)
    assert time.monotonic() - t0 < 1.5  # shutdown keeps its deadline although the flush thread is stuck
    thread = m._sender._thread
    release.set()
    thread.join(5)
    assert not thread.is_alive()
    assert (m.sent_count, m.dropped_count, m.pending_count) == (0, 10, 0)


def test_413_splits_the_chunk_until_it_fits(no_sleep):
    """A host whose body cap is below max_batch_bytes answers 413: the chunk is sent in halves, nothing is lost."""
    cap = 3000
    accepted = []

    def capped(request):
        if len(request.content) > cap:
            return httpx.Response(413, json={"detail": "Request body exceeds maximum size"})
        accepted.extend(json.loads(request.content))
        return httpx.Response(202, json={})

    m = MetricsClient("http://mc", "K", flush_interval=3600, transport=httpx.MockTransport(capped))
    for i in range(200):
        m.gauge("g", i, labels={"k": "v"})
    m.flush()
    assert [p["value"] for p in accepted] == list(range(200))  # all, in order
    assert (m.sent_count, m.dropped_count, m.pending_count) == (200, 0, 0) and no_sleep == []

    m2 = MetricsClient("http://mc", "K", flush_interval=3600, transport=httpx.MockTransport(capped))
    m2.gauge("big", 1, labels={"k": "x" * 1000, "k2": "y" * 1000, "k3": "z" * 1000})  # alone over the cap
    m2.gauge("small", 2)
    m2.flush()
    assert accepted[-1]["name"] == "small" and m2.dropped_count == 1 and m2.sent_count == 1
