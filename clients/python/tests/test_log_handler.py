import json
import logging
import re

import httpx
import pytest

from monlight.handlers import MonlightLogHandler

from sdkmock import Recorder
from monlight_test import VERSION

ACCEPTED = httpx.Response(202, json={"status": "accepted"})


@pytest.fixture
def logger_with_handler(request):
    made = []

    def make(**kw):
        rec = Recorder(ACCEPTED)
        kw.setdefault("flush_interval", 3600)
        h = MonlightLogHandler("http://lv:5011/", "KEY", transport=httpx.MockTransport(rec), **kw)
        log = logging.getLogger(f"test.lh.{request.node.name}.{len(made)}")
        log.setLevel(logging.DEBUG)
        log.propagate = False
        log.addHandler(h)
        made.append((log, h))
        return log, h, rec

    yield make
    for log, h in made:
        log.removeHandler(h)
        h.close()


def entries(rec):
    return [e for r in rec.requests for e in json.loads(r.content)]


def test_constructor_checks():
    with pytest.raises(ValueError):
        MonlightLogHandler("", "k", source="app")
    with pytest.raises(ValueError):
        MonlightLogHandler("http://x", "", source="app")
    with pytest.raises(ValueError):
        MonlightLogHandler("http://x", "k", source="")
    with pytest.raises(ValueError):
        MonlightLogHandler("http://x", "k", source="x" * 129)
    with pytest.raises(ValueError):
        MonlightLogHandler("http://x", "k", source="a\nb")
    for bad in ({"k": None}, {"": 1}, {"k" * 101: 1}, {"k": "v" * 1001}, {f"k{i}": i for i in range(64)},
                {"logger": "x"}, ["not", "a", "dict"]):
        with pytest.raises(ValueError):
            MonlightLogHandler("http://x", "k", source="app", attributes=bad)
    h = MonlightLogHandler("http://x", "k", source="app", attributes={"n": 1, "obj": object, "inf": float("inf")})
    assert h.attributes["n"] == 1 and h.attributes["obj"] == str(object) and h.attributes["inf"] == "inf"
    h.close()


def test_records_become_entries_with_level_logger_and_exc_info(logger_with_handler):
    log, h, rec = logger_with_handler(source="billing", attributes={"env": "prod"})
    log.info("paid %s", 42)
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("payment failed")
    log.warning("careful")
    h.flush()
    req = rec.requests[0]
    assert str(req.url) == "http://lv:5011/api/logs" and req.method == "POST"
    assert req.headers["x-api-key"] == "KEY" and req.headers["user-agent"] == f"monlight-python/{VERSION}"
    assert req.headers["content-type"] == "application/json"
    body = json.loads(req.content)
    assert isinstance(body, list) and len(body) == 3
    info, err, warn = body
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", info["timestamp"])
    assert info["level"] == "INFO" and info["message"] == "paid 42" and info["source"] == "billing"
    assert info["attributes"] == {"env": "prod", "logger": log.name}
    assert err["level"] == "ERROR"
    assert err["message"].startswith("payment failed\nTraceback (most recent call last):")
    assert "ZeroDivisionError: division by zero" in err["message"]
    assert warn["level"] == "WARNING"
    assert h.sent_count == 3 and h.dropped_count == 0


def test_levels_map_to_the_log_viewers_levels(logger_with_handler):
    log, h, rec = logger_with_handler(source="app")
    log.setLevel(1)
    for lvl in (5, logging.DEBUG, 15, logging.INFO, 25, logging.WARNING, logging.ERROR, logging.CRITICAL, 60):
        log.log(lvl, "at %d", lvl)
    h.flush()
    assert [e["level"] for e in entries(rec)] == ["DEBUG", "DEBUG", "DEBUG", "INFO", "INFO", "WARNING", "ERROR",
                                                  "CRITICAL", "CRITICAL"]


def test_trace_id_from_the_record(logger_with_handler):
    log, h, rec = logger_with_handler(source="app")
    log.info("traced", extra={"trace_id": "0123456789ABCDEF0123456789abcdef"})
    log.info("not a trace id", extra={"trace_id": "xyz"})
    h.flush()
    a, b = entries(rec)
    assert a["trace_id"] == "0123456789abcdef0123456789abcdef" and "trace_id" not in b


def test_long_messages_are_split_to_fit_the_body_cap(logger_with_handler):
    log, h, rec = logger_with_handler(source="app", max_batch_bytes=8192)
    text = ("line é\t\"quoted\"\n" * 4000)
    log.error(text)
    log.info("after")
    h.flush()
    es = entries(rec)
    assert "".join(e["message"] for e in es[:-1]) == text and es[-1]["message"] == "after"
    assert len(es) > 8
    assert max(len(r.content) for r in rec.requests) <= 8192
    assert h.dropped_count == 0


def test_the_sdks_own_http_logging_is_not_shipped():
    """A handler on the root logger at DEBUG must not ship httpx's log of its own requests (that would loop)."""
    rec = Recorder(ACCEPTED)
    h = MonlightLogHandler("http://lv", "K", source="app", flush_interval=3600, transport=httpx.MockTransport(rec))
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(h)
    try:
        logging.getLogger("app").info("hello")
        h.flush()
        h.flush()
        logging.getLogger("app").info("again")
        h.flush()
    finally:
        root.removeHandler(h)
        root.setLevel(old)
        h.close()
    loggers = [e["attributes"]["logger"] for e in entries(rec)]
    assert loggers == ["app", "app"], loggers


def test_buffer_bound_and_close_flushes(logger_with_handler):
    log, h, rec = logger_with_handler(source="app", max_buffer=3)
    for i in range(5):
        log.info("m%d", i)
    assert h.dropped_count == 2
    h.close()  # what logging.shutdown() does at exit
    assert [e["message"] for e in entries(rec)] == ["m2", "m3", "m4"]
    log.info("after close")  # dropped, no exception
    assert h.dropped_count == 3


def test_emit_starts_the_background_thread():
    rec = Recorder(ACCEPTED)
    h = MonlightLogHandler("http://lv", "K", source="app", flush_interval=0.05, transport=httpx.MockTransport(rec))
    log = logging.getLogger("test.lh.thread")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(h)
    try:
        log.info("one")
        import time
        deadline = time.time() + 5
        while h.sent_count < 1 and time.time() < deadline:
            time.sleep(0.01)
        assert h.sent_count == 1 and h._sender._thread.daemon
    finally:
        log.removeHandler(h)
        h.close()


def test_other_sdk_warnings_are_shipped_but_not_their_http_logs(monkeypatch):
    """A MetricsClient's delivery warning reaches the log viewer; httpx's log of its request does not."""
    from monlight import MetricsClient, _http
    monkeypatch.setattr(_http.time, "sleep", lambda d: None)
    rec = Recorder(ACCEPTED)
    h = MonlightLogHandler("http://lv", "K", source="app", flush_interval=3600, transport=httpx.MockTransport(rec))
    m = MetricsClient("http://mc", "K", flush_interval=3600, max_retries=0,
                      transport=httpx.MockTransport(Recorder(httpx.Response(500))))
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(h)
    try:
        m.gauge("g", 1)
        m.flush()
        h.flush()
    finally:
        root.removeHandler(h)
        root.setLevel(old)
        h.close()
    shipped = [(e["attributes"]["logger"], e["message"]) for e in entries(rec)]
    assert any(name == "monlight.metrics_client" and "delivery failed" in msg for name, msg in shipped), shipped
    assert not [name for name, _ in shipped if name.startswith(("httpx", "httpcore"))], shipped
