"""The log viewer on PostgreSQL (host.storage = postgresql): two real hosts, each tailing its own fake Docker
directory, on one throwaway cluster (tests/pg_cluster.py). Lines ingested by one host are found by a search on the
other with the SQLite store's answers; a live tail on one host receives the other's lines; a resume by Last-Event-ID
on either host continues without gap or duplicate while both ingest; the ring buffer is trimmed by one host at a
time."""
import json
import re
import threading

import pytest

from lvhelpers import FakeDocker, SseClient, wait_for
from test_lv_api import logs, messages


def pg_host(host_factory, pg_dsn, docker, **extra):
    cfg = {
        "host.storage": "postgresql",
        "host.postgresql_dsn": pg_dsn,
        "host.postgresql_pool_size": "6",
        "log-viewer.log_sources": str(docker.root),
        "log-viewer.poll_interval": "1",
        "log-viewer.rescan_interval": "1",
        "log-viewer.multiline_flush_ms": "20",
        "log-viewer.rate_limit": "0",
    }
    cfg.update({f"log-viewer.{k}": str(v) for k, v in extra.items()})
    return host_factory(plugins=["log-viewer"], config=cfg)


@pytest.fixture
def two(host_factory, pg_dsn, tmp_path):
    da, db = FakeDocker(tmp_path / "docker-a"), FakeDocker(tmp_path / "docker-b")
    da.add("a" * 64, "web-a")
    db.add("b" * 64, "web-b")
    a = pg_host(host_factory, pg_dsn, da)
    b = pg_host(host_factory, pg_dsn, db)
    return a, b, da, db


def open_tail(h, query="", headers=None):
    hdrs = {"X-API-Key": h.key("log-viewer")}
    hdrs.update(headers or {})
    return SseClient(h.url("log-viewer"), "/api/logs/tail" + query, hdrs)


def test_search_on_one_host_finds_lines_ingested_by_the_other(two):
    a, b, da, db = two
    da.write("a" * 64, "INFO: request ok", "WARNING: slow request", "ERROR: request timeout",
             "error: timeout while connecting", "user_id=42 at /app/src/db.py:17", "job done")
    db.write("b" * 64, "INFO: b says hello", stream="stderr")
    assert wait_for(lambda: len(messages(b)) == 7 or None)
    assert messages(b, container="web-a", search="request") == [
        "INFO: request ok", "WARNING: slow request", "ERROR: request timeout"]
    # FTS5's tokens and operators, translated: phrases, prefixes, NOT, OR, column filter, words mode
    assert messages(b, search='"error: timeout"') == ["error: timeout while connecting"]
    assert messages(b, search="time*") == ["ERROR: request timeout", "error: timeout while connecting"]
    assert messages(b, search="request NOT slow") == ["INFO: request ok", "ERROR: request timeout"]
    assert sorted(messages(b, search="hello OR done")) == ["INFO: b says hello", "job done"]
    assert messages(b, search="message:hello") == ["INFO: b says hello"]
    assert messages(b, search="db.py", search_mode="words") == ["user_id=42 at /app/src/db.py:17"]
    assert messages(b, search='"user_id=42"') == ["user_id=42 at /app/src/db.py:17"]
    assert messages(a, search="OUT WHILE", search_mode="substring") == ["error: timeout while connecting"]
    assert messages(a, level="WARNING", container="web-a") == ["WARNING: slow request"]
    assert messages(a, stream="stderr") == ["INFO: b says hello"]
    # the SQLite store's answers for expressions FTS5 refuses
    r = logs(b, search="a / b")
    assert r.status == 400 and r.json() == {"detail": 'Invalid search query: fts5: syntax error near "/"'}
    r = logs(b, search="error:timeout")
    assert r.status == 400 and r.json() == {"detail": "Invalid search query: no such column: error"}
    r = logs(b, search='"unterminated')
    assert r.status == 400 and r.json()["detail"].startswith("Invalid search query: ")
    # newest first, keyset pages and counts: the same on both hosts
    for h in (a, b):
        page = logs(h, container="web-a", limit=4).json()
        assert page["total"] == 6 and len(page["logs"]) == 4
        last = page["logs"][-1]
        rest = logs(h, container="web-a", limit=4, before_id=last["id"]).json()
        assert "logs" in rest, rest
        seen = [e["id"] for e in page["logs"]] + [e["id"] for e in rest["logs"]]
        assert len(seen) == 6 and len(set(seen)) == 6
        keys = [(e["timestamp"], e["id"]) for e in page["logs"] + rest["logs"]]
        assert keys == sorted(keys, reverse=True)
        stats = h.request("log-viewer", "GET", "/api/logs/stats").json()
        assert stats["total_logs"] == 7 and stats["by_container"] == {"web-a": 6, "web-b": 1}
        names = {c["name"]: c for c in h.request("log-viewer", "GET", "/api/logs/containers").json()["containers"]}
        assert names["web-a"]["log_count"] == 6 and names["web-b"]["log_count"] == 1


def test_live_tail_on_one_host_receives_the_other_hosts_lines(two):
    a, b, da, db = two
    s = open_tail(b, "?container=web-a")
    try:
        assert s.status == 200
        da.write("a" * 64, "from a 1", "from a 2")
        db.write("b" * 64, "from b (filtered out)")
        evs = s.log_events(2, timeout=10)
        assert [json.loads(e["data"])["message"] for e in evs] == ["from a 1", "from a 2"]
        # the event id is a position (base:ingester.seq,...), not a row id
        assert ":" in evs[-1]["id"] and "." in evs[-1]["id"]
    finally:
        s.close()
    # `0` resumes before every row, on either host; an id that is not a position starts a fresh tail
    for h in (a, b):
        r = open_tail(h, headers={"Last-Event-ID": "0"})
        try:
            assert sorted(json.loads(e["data"])["message"] for e in r.log_events(3)) == [
                "from a 1", "from a 2", "from b (filtered out)"]
        finally:
            r.close()
    r = open_tail(b, headers={"Last-Event-ID": "12"})
    try:
        assert r.status == 200 and r.log_events(1, timeout=1) == []
    finally:
        r.close()


def test_resume_by_last_event_id_on_the_other_host_has_no_gap_or_duplicate(two):
    a, b, da, db = two
    n = 300
    s = open_tail(b)
    assert s.status == 200

    def feed(docker, cid, tag):
        for i in range(0, n, 10):
            docker.write(cid, *[f"{tag} {j}" for j in range(i, i + 10)])

    writers = [threading.Thread(target=feed, args=(da, "a" * 64, "A")),
               threading.Thread(target=feed, args=(db, "b" * 64, "B"))]
    for t in writers:
        t.start()
    got = []
    try:
        first = s.log_events(150, timeout=20)
        got += [json.loads(e["data"])["message"] for e in first]
        assert len(first) == 150
        last_id = first[-1]["id"]
    finally:
        s.close()
    # reconnect to the other host while both keep ingesting
    r = open_tail(a, headers={"Last-Event-ID": last_id})
    try:
        assert r.status == 200
        for t in writers:
            t.join()
        rest = r.log_events(2 * n - 150, timeout=30)
        got += [json.loads(e["data"])["message"] for e in rest]
        assert r.log_events(1, timeout=1.5) == []  # nothing more: no duplicate after the last line
    finally:
        r.close()
    assert sorted(got) == sorted([f"A {i}" for i in range(n)] + [f"B {i}" for i in range(n)])
    assert len(got) == len(set(got)) == 2 * n
    # each host's lines in their own order
    for tag in ("A", "B"):
        mine = [int(m.split()[1]) for m in got if m.startswith(tag + " ")]
        assert mine == list(range(n))


def test_ring_buffer_is_trimmed_by_one_host_at_a_time(host_factory, pg_dsn, tmp_path):
    da, db = FakeDocker(tmp_path / "docker-a"), FakeDocker(tmp_path / "docker-b")
    da.add("a" * 64, "web-a")
    db.add("b" * 64, "web-b")
    a = pg_host(host_factory, pg_dsn, da, max_entries=100)
    b = pg_host(host_factory, pg_dsn, db, max_entries=100)

    def feed(docker, cid, tag):
        for i in range(0, 300, 50):
            docker.write(cid, *[f"{tag} {j}" for j in range(i, i + 50)])

    writers = [threading.Thread(target=feed, args=(da, "a" * 64, "A")),
               threading.Thread(target=feed, args=(db, "b" * 64, "B"))]
    for t in writers:
        t.start()
    for t in writers:
        t.join()

    def stored(h):
        m = h.request("log-viewer", "GET", "/metrics").body.decode()
        found = re.search(r"^monlight_log_entries_total(?:\{[^}]*\})? (\d+)", m, re.M)
        return int(found.group(1)) if found else 0
    # every line committed on its host (each host counts what it stored)
    assert wait_for(lambda: (stored(a), stored(b)) == (300, 300) or None, timeout=20), (stored(a), stored(b))
    # 600 lines went in; the total never went below max_entries: trims that counted the rows without the other
    # host's deletes would have removed far more (each deleting down from its own stale count)
    # (a trim follows its commit on the ingesting host's tailer thread: wait for it)
    def total():
        return a.request("log-viewer", "GET", "/api/logs/stats").json()["total_logs"]
    final = wait_for(lambda: (lambda t: t if t <= 200 else None)(total()), timeout=20)
    assert final is not None and 100 <= final <= 200, (final, total())
    # the newest line of all is kept
    newest = a.request("log-viewer", "GET", "/api/logs?limit=1").json()["logs"][0]["message"]
    assert newest in ("A 299", "B 299")
    for h in (a, b):
        assert h.request("log-viewer", "GET", "/api/logs/stats").json()["total_logs"] == final
        assert h.request("log-viewer", "GET", "/health", key=False).json()["logs_indexed"] == final


def test_postgresql_restart_loses_no_line_and_an_open_tail_carries_on(host_factory, pg_private, tmp_path):
    """Lines written while PostgreSQL is down are committed once it is back (the tailer retries its batches), and a
    tail opened before the restart receives them on the same stream, each once."""
    dsn = pg_private.create_database("monlight")
    da, db = FakeDocker(tmp_path / "docker-a"), FakeDocker(tmp_path / "docker-b")
    da.add("a" * 64, "web-a")
    db.add("b" * 64, "web-b")
    a = pg_host(host_factory, dsn, da)
    b = pg_host(host_factory, dsn, db)
    s = open_tail(b)
    try:
        da.write("a" * 64, *[f"before {i}" for i in range(5)])
        assert [json.loads(e["data"])["message"] for e in s.log_events(5)] == [f"before {i}" for i in range(5)]
        pg_private.stop("fast")
        da.write("a" * 64, *[f"during {i}" for i in range(5)])
        db.write("b" * 64, "during b")
        pg_private.start()
        pg_private.wait_accepting()
        da.write("a" * 64, "after")
        got = [json.loads(e["data"])["message"] for e in s.log_events(7, timeout=30)]
        assert sorted(got) == sorted([f"during {i}" for i in range(5)] + ["during b", "after"]), (got, a.log()[-6000:])
        assert s.log_events(1, timeout=1.5) == []
    finally:
        s.close()
    for h in (a, b):
        assert wait_for(lambda: len(messages(h)) == 12 or None, timeout=30), messages(h)
        assert sorted(messages(h)) == sorted([f"before {i}" for i in range(5)] + [f"during {i}" for i in range(5)]
                                             + ["during b", "after"])
