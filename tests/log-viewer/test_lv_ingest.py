"""SPEC §12: the log ingest API (POST /api/logs), its filters, live tail and persistence."""
import json
import urllib.parse

import pytest

from lvhelpers import FakeDocker, wait_for
from test_lv_api import start
from test_lv_tail import open_tail

TRACE = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture
def docker(tmp_path):
    return FakeDocker(tmp_path / "containers")


def post(h, body, raw=False, headers=None):
    data = body if raw else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    return h.request("log-viewer", "POST", "/api/logs", data, hdrs)


def query(h, **params):
    params.setdefault("limit", 500)
    r = h.request("log-viewer", "GET", "/api/logs?" + urllib.parse.urlencode(params))
    assert r.status == 200, r
    return list(reversed(r.json()["logs"]))


def test_accepts_entries_and_lists_them(host_factory, docker):
    h = start(host_factory, docker)
    r = post(h, {"logs": [
        {"message": "user logged in", "source": "billing", "level": "info",
         "timestamp": "2026-01-02T03:04:05.678Z", "attributes": {"user_id": 42, "ok": True, "region": "eu"},
         "trace_id": TRACE.upper()},
        {"message": "Traceback boom ERROR failed", "source": "billing"},
        {"message": "plain", "source": "worker", "stream": "stderr"},
    ]})
    assert r.status == 202, r
    assert r.json() == {"status": "accepted", "count": 3}
    got = query(h)
    assert [e["message"] for e in got] == ["user logged in", "Traceback boom ERROR failed", "plain"]
    first = got[0]
    assert list(first) == ["id", "timestamp", "container", "stream", "level", "message", "trace_id", "attributes"]
    assert first["timestamp"] == "2026-01-02T03:04:05.678Z"
    assert first["container"] == "billing" and first["level"] == "INFO" and first["stream"] == "stdout"
    assert first["trace_id"] == TRACE and first["attributes"] == {"user_id": 42, "ok": True, "region": "eu"}
    # Level detected from the message; ERROR and above default to stderr. Absent fields are not shown.
    assert got[1]["level"] == "ERROR" and got[1]["stream"] == "stderr"
    assert "trace_id" not in got[1] and "attributes" not in got[1]
    # Stream given, level by the stream default of §3.10 (stderr → stderr_default_level).
    assert got[2]["stream"] == "stderr" and got[2]["level"] == "ERROR"
    # A bare array works too.
    r = post(h, [{"message": "bare", "source": "cli", "level": "WARN"}])
    assert r.status == 202 and r.json() == {"status": "accepted", "count": 1}
    assert query(h, container="cli")[0]["level"] == "WARNING"
    # Sources are listed like containers (not watched).
    names = {c["name"]: c for c in h.request("log-viewer", "GET", "/api/logs/containers").json()["containers"]}
    assert names["billing"]["log_count"] == 2 and names["billing"]["watched"] is False


@pytest.mark.parametrize("body,detail,index", [
    (b"", "Empty request body", None),
    (b"{", "Invalid JSON", None),
    (b'"x"', None, None),
    (b"{}", "Missing required field: logs", None),
    (b'{"logs": 3}', "Field 'logs' must be an array", None),
    (b"[]", "Logs array must not be empty", None),
    (json.dumps([{"message": "m", "source": "s"}] * 1001).encode(), "Logs batch exceeds maximum of 1000 items", None),
    (b'[{"message":"ok","source":"s"}, 5]', "Each log entry must be a JSON object", 1),
    (b'[{"message":"ok","source":"s"}, {"source":"s"}]', "Missing required field: message", 1),
    (b'[{"message":"","source":"s"}]', "Field 'message' must not be empty", 0),
    (b'[{"message":"ok"}]', "Missing required field: source", 0),
    (json.dumps([{"message": "ok", "source": "s" * 129}]).encode(), "Field 'source' must be 1-128 characters", 0),
    (b'[{"message":"ok","source":"a\\nb"}]', "Field 'source' must not contain control characters", 0),
    (b'[{"message":"ok","source":"s","timestamp":"yesterday"}]',
     "Field 'timestamp' must be an RFC 3339 string or epoch number", 0),
    (b'[{"message":"ok","source":"s","level":"loud"}]',
     "Field 'level' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL", 0),
    (b'[{"message":"ok","source":"s","stream":"stdin"}]', "Field 'stream' must be 'stdout' or 'stderr'", 0),
    (b'[{"message":"ok","source":"s","attributes":[1]}]', "Field 'attributes' must be an object", 0),
    (b'[{"message":"ok","source":"s","attributes":{"a":{"b":1}}}]',
     "Attribute value must be a string, number or boolean", 0),
    (b'[{"message":"ok","source":"s","attributes":{"a":null}}]',
     "Attribute value must be a string, number or boolean", 0),
    (b'[{"message":"ok","source":"s","trace_id":"abc"}]', "Field 'trace_id' must be 32 hexadecimal characters", 0),
])
def test_validation_stores_nothing(host_factory, docker, body, detail, index):
    h = start(host_factory, docker)
    r = post(h, body, raw=True)
    assert r.status == 400, r
    j = r.json()
    if detail is not None:
        assert j["detail"] == detail
    assert j.get("index") == index
    if index is not None:
        assert list(j) == ["detail", "index"]
    assert query(h) == []


def test_invalid_entry_after_valid_ones_stores_nothing_and_key_is_required(host_factory, docker):
    h = start(host_factory, docker)
    good = {"message": "fine", "source": "s"}
    r = post(h, [good, good, {"message": "x", "source": "s", "level": 3}])
    assert r.status == 400 and r.json() == {
        "detail": "Field 'level' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL", "index": 2}
    assert query(h) == []
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps([good]).encode(), key=False)
    assert r.status == 401
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps([good]).encode(),
                  headers={"X-API-Key": "wrong"}, key=False)
    assert r.status == 401
    assert query(h) == []


def test_body_cap_is_its_own_and_long_messages_are_split(host_factory, docker):
    h = start(host_factory, docker, max_line_bytes=16384, max_ingest_body_size=200000)
    # Larger than max_body_size (64 KiB) but within max_ingest_body_size.
    msg = "\u00e9" * 20000  # 40000 bytes: split at character boundaries into 16384-byte parts at most
    r = post(h, [{"message": msg, "source": "big"}, {"message": "y" * 30000, "source": "big"}])
    assert r.status == 202, r
    assert r.json()["count"] == 2
    parts = [e["message"] for e in query(h, container="big")]
    assert "".join(parts) == msg + "y" * 30000
    assert all(len(p.encode()) <= 16384 for p in parts) and len(parts) == 3 + 2
    r = post(h, [{"message": "z" * 210000, "source": "big"}])
    assert (r.status, r.json()) == (413, {"detail": "Request body exceeds maximum size"})
    assert len(query(h, container="big")) == 5


def test_default_ingest_cap_is_one_mebibyte(host_factory, docker):
    h = start(host_factory, docker)
    r = post(h, [{"message": "w" * 1000, "source": f"s{i % 3}"} for i in range(1000)])  # ~1 MB, under 1 MiB
    assert r.status == 202 and r.json()["count"] == 1000
    assert h.request("log-viewer", "GET", "/api/logs?limit=1").json()["total"] == 1000


def test_search_by_attribute_word_and_trace_id_and_filters(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", "docker line user", "docker line two")
    assert wait_for(lambda: len(query(h)) == 2)
    other = "1" * 32
    r = post(h, [
        {"message": "payment done", "source": "billing", "attributes": {"user_id": 42, "plan": "gold"},
         "trace_id": TRACE},
        {"message": "payment failed", "source": "billing", "attributes": {"user_id": 7, "retry": False},
         "trace_id": other},
        {"message": "no attributes here", "source": "billing"},
    ])
    assert r.status == 202, r
    msgs = lambda **p: [e["message"] for e in query(h, **p)]  # noqa: E731
    assert msgs(search='"user_id=42"') == ["payment done"]
    assert msgs(search="gold") == ["payment done"]
    assert msgs(search='"retry=false"') == ["payment failed"]
    assert msgs(search="user_id=7", search_mode="words") == ["payment failed"]
    assert msgs(search=TRACE) == ["payment done"]
    assert msgs(trace_id=TRACE.upper()) == ["payment done"]
    assert msgs(trace_id=other) == ["payment failed"]
    assert msgs(source_kind="api") == ["payment done", "payment failed", "no attributes here"]
    assert msgs(source_kind="docker") == ["docker line user", "docker line two"]
    assert msgs(source_kind="docker", search="user") == ["docker line user"]
    assert msgs(source_kind="api", search="payment", level="INFO") == ["payment done", "payment failed"]
    r = query(h, trace_id=TRACE, limit=1)
    assert len(r) == 1
    for bad in ({"trace_id": "xyz"}, {"source_kind": "k8s"}):
        r = h.request("log-viewer", "GET", "/api/logs?" + urllib.parse.urlencode(bad))
        assert r.status == 400 and r.json() == {"detail": "Invalid parameter: " + list(bad)[0]}
    # Counting with filters (total beyond one page).
    r = h.request("log-viewer", "GET", "/api/logs?source_kind=api&limit=1").json()
    assert r["total"] == 3 and len(r["logs"]) == 1


def test_live_tail_delivers_posted_entries(host_factory, docker):
    h = start(host_factory, docker)
    s = open_tail(h)
    k = open_tail(h, "?source_kind=api&trace_id=" + TRACE)
    try:
        r = post(h, [{"message": "tail me", "source": "svc", "trace_id": TRACE, "attributes": {"k": "v"}},
                     {"message": "other trace", "source": "svc"}])
        assert r.status == 202
        evs = s.log_events(2, timeout=5)
        data = [json.loads(e["data"]) for e in evs]
        assert [d["message"] for d in data] == ["tail me", "other trace"]
        assert data[0]["trace_id"] == TRACE and data[0]["attributes"] == {"k": "v"}
        assert data[0]["container"] == "svc"
        evs = k.log_events(1, timeout=5)
        assert [json.loads(e["data"])["message"] for e in evs] == ["tail me"]
        assert k.log_events(1, timeout=0.5) == []
    finally:
        s.close()
        k.close()


def test_posted_entries_survive_restart_and_stats(host_factory, docker):
    h = start(host_factory, docker)
    r = post(h, {"logs": [{"message": f"m{i}", "source": "svc", "trace_id": TRACE, "attributes": {"i": i}}
                          for i in range(10)]})
    assert r.status == 202 and r.json()["count"] == 10
    assert h.stop() == 0
    h.start()
    got = query(h, trace_id=TRACE)
    assert [e["message"] for e in got] == [f"m{i}" for i in range(10)]
    assert got[3]["attributes"] == {"i": 3}
    assert [e["message"] for e in query(h, search='"i=7"')] == ["m7"]
    st = h.request("log-viewer", "GET", "/api/logs/stats").json()
    assert st["total_logs"] == 10 and st["by_container"] == {"svc": 10}
    assert h.request("log-viewer", "GET", "/health", key=False).json()["logs_indexed"] == 10
