"""Live tail (SSE): events pushed after commit, heartbeats, the connection cap, resume and shutdown."""
import json
import re
import time

import pytest

from lvhelpers import FakeDocker, SseClient, wait_for
from monlight_test import http
from test_lv_api import messages, start


@pytest.fixture
def docker(tmp_path):
    return FakeDocker(tmp_path / "containers")


def open_tail(h, query="", headers=None, key=True):
    hdrs = dict(headers or {})
    if key:
        hdrs.setdefault("X-API-Key", h.key("log-viewer"))
    return SseClient(h.url("log-viewer"), "/api/logs/tail" + query, hdrs)


def test_stream_head_retry_and_live_events(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker, sse_heartbeat_seconds=1)
    s = open_tail(h)
    try:
        assert s.status == 200
        assert s.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert s.headers["cache-control"] == "no-cache"
        assert s.headers["connection"] == "close"
        assert s.headers["x-accel-buffering"] == "no"
        assert "x-request-id" in s.headers
        assert "content-length" not in s.headers and "transfer-encoding" not in s.headers
        assert "access-control-allow-origin" not in s.headers
        assert s.buf.startswith(b"retry: 3000\n\n") or s.next_event(2)["retry"] == "3000"
        docker.write("c1", "live one", "line\twith tab")
        evs = s.log_events(2)
        assert [json.loads(e["data"])["message"] for e in evs] == ["live one", "line\twith tab"]
        d = json.loads(evs[0]["data"])
        assert list(d) == ["id", "timestamp", "container", "stream", "level", "message"]
        if h.pg:  # on PostgreSQL an event id is a position (per-ingester numbers), not the row id
            assert evs[0]["id"].endswith(".1") and evs[1]["id"].endswith(".2")
        else:
            assert evs[0]["id"] == str(d["id"]) and int(evs[1]["id"]) == d["id"] + 1
        hb = s.events_until(lambda e: e["event"] == "heartbeat", timeout=3)
        assert hb and hb[-1]["event"] == "heartbeat" and hb[-1]["data"] == "{}"
        # Other requests are served while the stream is open.
        assert h.request("log-viewer", "GET", "/api/logs").status == 200
    finally:
        s.close()


def test_filters_and_backlog(host_factory, docker):
    docker.add("a1", "web")
    docker.add("b1", "worker")
    h = start(host_factory, docker)
    docker.write("a1", "web old 1", "web old 2", "web old 3")
    docker.write("b1", "worker old")
    wait_for(lambda: len(messages(h)) == 4)
    s = open_tail(h, "?container=web&backlog=2")
    try:
        evs = s.log_events(2, timeout=3)
        assert [json.loads(e["data"])["message"] for e in evs] == ["web old 2", "web old 3"]
        docker.write("b1", "worker new")
        docker.write("a1", "WEB new TimeOut")
        evs = s.log_events(1, timeout=5)
        assert [json.loads(e["data"])["message"] for e in evs] == ["WEB new TimeOut"]
    finally:
        s.close()
    s2 = open_tail(h, "?contains=timeout&level=%3E%3Dinfo&stream=stdout&backlog=abc")
    try:
        docker.write("a1", "no match", "a timeout here")
        evs = s2.log_events(1, timeout=5)
        assert [json.loads(e["data"])["message"] for e in evs] == ["a timeout here"]
    finally:
        s2.close()
    bad = open_tail(h, "?level=loud")
    assert bad.status == 400 and json.loads(bad.body_rest()) == {"detail": "Invalid parameter: level"}
    bad.close()
    long = open_tail(h, "?contains=" + "x" * 201)
    assert long.status == 400 and json.loads(long.body_rest()) == {"detail": "Invalid parameter: contains"}
    long.close()


def test_query_key_accepted_only_on_tail(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    k = h.key("log-viewer")
    s = open_tail(h, f"?api_key={k}", key=False)
    assert s.status == 200
    s.close()
    bad = open_tail(h, "?api_key=wrong", key=False)
    assert bad.status == 401
    bad.close()
    r = http("GET", h.url("log-viewer") + f"/api/logs?api_key={k}")
    assert r.status == 401


def test_sixth_stream_gets_503_and_slot_is_freed(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    streams = [open_tail(h) for _ in range(5)]
    try:
        assert all(s.status == 200 for s in streams)
        sixth = open_tail(h)
        assert sixth.status == 503
        assert sixth.headers["retry-after"] == "5"
        assert json.loads(sixth.body_rest()) == {"detail": "Too many SSE connections"}
        sixth.close()
        m = h.request("log-viewer", "GET", "/metrics").body.decode()
        assert re.search(r"^monlight_sse_clients 5(\.0+)?$", m, re.M), m
        t0 = time.time()
        assert h.request("log-viewer", "GET", "/api/logs/stats").status == 200
        assert time.time() - t0 < 2
        streams[0].close()

        def reopen():
            s = open_tail(h)
            if s.status == 200:
                return s
            s.close()
            return None

        again = wait_for(reopen, timeout=5)
        assert again and again.status == 200
        streams[0] = again
    finally:
        for s in streams:
            s.close()


def test_last_event_id_resumes_without_loss_or_duplicates(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    s = open_tail(h)
    docker.write("c1", "m1", "m2", "m3")
    evs = s.log_events(3)
    assert len(evs) == 3
    s.close()
    docker.write("c1", "m4", "m5")
    wait_for(lambda: len(messages(h)) == 5)
    r = open_tail(h, headers={"Last-Event-ID": evs[1]["id"]})
    try:
        got = r.log_events(3, timeout=5)
        assert [json.loads(e["data"])["message"] for e in got] == ["m3", "m4", "m5"]
        docker.write("c1", "m6")
        got = r.log_events(1, timeout=5)
        assert [json.loads(e["data"])["message"] for e in got] == ["m6"]
    finally:
        r.close()
    # The query parameter works too; the header wins when both are present.
    q = open_tail(h, f"?last_event_id={evs[0]['id']}", headers={"Last-Event-ID": evs[2]["id"]})
    try:
        got = q.log_events(3, timeout=5)
        assert [json.loads(e["data"])["message"] for e in got] == ["m4", "m5", "m6"]
    finally:
        q.close()


def test_shutdown_sends_close_event_to_open_streams(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker, sse_heartbeat_seconds=1)
    s = open_tail(h)
    assert s.status == 200
    time.sleep(0.5)
    assert h.stop() == 0
    evs = s.events_until(lambda e: e["event"] == "close", timeout=5)
    assert evs and evs[-1]["event"] == "close"
    assert json.loads(evs[-1]["data"]) == {"reason": "shutdown"}
    s.close()


def test_head_and_backlog_limits(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", *[f"b{i}" for i in range(600)])
    # All 600 stored before the tail opens (messages() pages at 500, so count by `total`).
    assert wait_for(lambda: h.request("log-viewer", "GET", "/api/logs?limit=1").json()["total"] == 600)
    r = h.request("log-viewer", "HEAD", "/api/logs/tail")
    assert r.status == 200 and r.body == b""
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    s = open_tail(h, "?backlog=9999")
    try:
        evs = s.log_events(500, timeout=5)
        assert len(evs) == 500  # clamped to 500, ascending, newest last
        assert json.loads(evs[0]["data"])["message"] == "b100"
        assert json.loads(evs[-1]["data"])["message"] == "b599"
        assert s.log_events(1, timeout=0.5) == []  # nothing beyond the 500
    finally:
        s.close()
    s = open_tail(h, "?backlog=-3&last_event_id=abc")
    try:
        assert s.status == 200 and s.log_events(1, timeout=1) == []
    finally:
        s.close()
