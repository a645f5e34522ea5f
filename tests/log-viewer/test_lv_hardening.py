"""Issue 13, log-viewer items: bounded memory under hostile queries and resumes, hostile files in the Docker
directory (FIFOs, symlinks), quick successive rotations, and a stuck tailer reported by /health."""
import json
import os
import re
import socket
import subprocess
import sqlite3
import time
import urllib.parse

import pytest

from lvhelpers import FakeDocker, wait_for
from test_lv_api import messages, start


@pytest.fixture
def docker(tmp_path):
    return FakeDocker(tmp_path / "containers")


def rss_kb(h):
    """The host's resident set size (kB) from /proc/<pid>/status."""
    with open(f"/proc/{h.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def metric(h, pattern):
    m = h.request("log-viewer", "GET", "/metrics").body.decode()
    found = re.search(pattern, m, re.M)
    return float(found.group(1)) if found else None


def count(h, **params):
    q = urllib.parse.urlencode(dict(params, limit=1))
    r = h.request("log-viewer", "GET", "/api/logs?" + q)
    assert r.status == 200, r
    return r.json()["total"]


# --- item 5: one statement per container-list length, cached for the connection's life ----------------------

def test_container_lists_do_not_grow_memory(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", "one line")
    wait_for(lambda: messages(h) == ["one line"])
    # Warm up the reader connections and the allocator with a few list queries.
    for n in range(1, 20):
        names = ",".join(f"c{i}" for i in range(n)) + ",web"
        assert h.request("log-viewer", "GET", "/api/logs?container=" + names).status == 200
    before = rss_kb(h)
    for n in range(20, 1020):
        names = ",".join(f"c{i}" for i in range(n)) + ",web"
        r = h.request("log-viewer", "GET", "/api/logs?container=" + names + "&limit=1")
        assert r.status == 200, r
        assert r.json()["total"] == 1
    grown = rss_kb(h) - before
    print(f"RSS growth over 1000 list lengths: {grown} kB")
    # Today's code keeps one prepared statement per list length (~180 kB each at these sizes).
    assert grown < 20 * 1024, f"RSS grew by {grown} kB over 1000 distinct list lengths"
    # The lists still select exactly.
    assert count(h, container="web") == 1 and count(h, container="c1,c2") == 0
    assert count(h, level=">=INFO") == 1 and count(h, level=">=WARNING") == 0


# --- item 6: an SSE resume copied the whole backlog in memory -------------------------------------------------

def test_resumes_from_zero_by_non_reading_clients_stay_bounded(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    big = 100_000
    n = 400  # ~40 MB of messages
    for i in range(0, n, 50):
        docker.write("c1", *[f"m{j:04d} " + chr(ord("a") + j % 26) * big for j in range(i, i + 50)])
    assert wait_for(lambda: count(h) == n, timeout=60), count(h)
    time.sleep(1)
    before = rss_kb(h)
    socks = []
    try:
        for _ in range(5):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", h.ports["log-viewer"]))
            s.sendall(("GET /api/logs/tail HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 0\r\n"
                       f"X-API-Key: {h.key('log-viewer')}\r\n\r\n").encode())
            socks.append(s)  # and never read
        peak = before
        t_end = time.time() + 4
        while time.time() < t_end:
            peak = max(peak, rss_kb(h))
            time.sleep(0.1)
        grown = peak - before
        print(f"RSS growth for 5 stalled resumes: {grown} kB")
        # Today's code builds each client's whole backlog (~40 MB, plus the entries) on the request thread.
        # (each stream thread's SQLite read connection may cache up to host.sqlite_cache_mb of pages)
        assert grown < 64 * 1024, f"RSS grew by {grown} kB for 5 stalled resumes"
        # Other requests are still served.
        assert h.request("log-viewer", "GET", "/api/logs/stats").status == 200
        # The stalled clients are dropped and counted, and their slots come back.
        assert wait_for(lambda: metric(h, r'^monlight_sse_clients (\S+)$') == 0, timeout=30)
        dropped = metric(h, r'^monlight_dropped_items_total\{[^}]*reason="sse_overflow"[^}]*\} (\S+)$')
        assert dropped is not None and dropped >= 5
    finally:
        for s in socks:
            s.close()
    # A reading client resuming from 0 gets the newest 1000 (here: all 400), in order.
    from test_lv_tail import open_tail
    s = open_tail(h, headers={"Last-Event-ID": "0"})
    try:
        evs = s.log_events(n, timeout=30)
        assert len(evs) == n
        assert [json.loads(e["data"])["message"][:5] for e in evs] == [f"m{j:04d}" for j in range(n)]
    finally:
        s.close()


# --- item 7: a FIFO at a log path froze all ingest --------------------------------------------------------------

def test_fifo_at_log_path_does_not_freeze_ingest(host_factory, docker):
    docker.add("a1", "web")
    docker.add("b1", "worker")
    h = start(host_factory, docker)
    docker.write("a1", "web before")
    docker.write("b1", "worker before")
    assert wait_for(lambda: len(messages(h)) == 2)
    # web's log "rotates" into a FIFO (nobody writes to it).
    p = docker.log_path("a1")
    os.rename(p, str(p) + ".1")
    os.mkfifo(p)
    time.sleep(1.5)
    docker.write("b1", "worker after")
    assert wait_for(lambda: "worker after" in messages(h), timeout=10), messages(h)
    r = h.request("log-viewer", "GET", "/health", key=False)
    assert r.status == 200, r
    # A new container whose log is a FIFO from the start is skipped, with a warning.
    d = docker.root / "f1"
    d.mkdir()
    (d / "config.v2.json").write_text(json.dumps({"ID": "f1", "Name": "/fifo"}))
    os.mkfifo(d / "f1-json.log")
    time.sleep(1.5)
    docker.write("b1", "worker later")
    assert wait_for(lambda: "worker later" in messages(h), timeout=10)
    assert h.request("log-viewer", "GET", "/health", key=False).status == 200
    # The FIFO is replaced by a regular file again: web is read again.
    os.unlink(p)
    docker.write("a1", "web back")
    assert wait_for(lambda: "web back" in messages(h), timeout=10), messages(h)
    assert "not a regular file" in h.log()


def test_stuck_commit_makes_health_unhealthy(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker, stall_seconds=2)
    docker.write("c1", "first")
    assert wait_for(lambda: messages(h) == ["first"])
    assert h.request("log-viewer", "GET", "/health", key=False).status == 200
    if h.pg:
        # PostgreSQL: a session holding a lock the writer's next commit waits for (reads are not blocked)
        cluster, name = h.pg
        lock = subprocess.Popen([str(cluster.bin / "psql"), "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", str(cluster.port),
                                 "-U", "postgres", "-d", name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)
        lock.stdin.write("BEGIN;\nLOCK TABLE log_viewer.ingesters IN EXCLUSIVE MODE;\nSELECT 'locked';\n")
        lock.stdin.flush()
        assert lock.stdout.readline().strip() == "locked"

        class Db:
            def execute(self, sql):
                if sql == "ROLLBACK":
                    lock.stdin.write("ROLLBACK;\n")
                    lock.stdin.flush()

            def close(self):
                lock.stdin.close()
                lock.wait(10)
        db = Db()
    else:
        db = sqlite3.connect(str(h.data_dir / "logs.db"), timeout=5, isolation_level=None)
    try:
        if not h.pg:
            db.execute("BEGIN EXCLUSIVE")
        docker.write("c1", "second")

        def unhealthy():
            r = h.request("log-viewer", "GET", "/health", key=False)
            return r if r.status == 503 else None

        r = wait_for(unhealthy, timeout=30)
        assert r, "health stayed 200 while no batch could be committed"
        detail = json.dumps(r.json())
        assert "log" in detail and ("stall" in detail or "stuck" in detail or "pending" in detail), detail
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert wait_for(lambda: "second" in messages(h), timeout=30)
    assert wait_for(lambda: h.request("log-viewer", "GET", "/health", key=False).status == 200, timeout=10)


# --- item 10: symlinks led out of log_sources -------------------------------------------------------------------

def test_symlinks_are_not_followed(host_factory, docker, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.log"
    secret.write_bytes(FakeDocker.line("secret via file link"))
    # A container whose log file is a symlink to a file elsewhere.
    d = docker.root / "s1"
    d.mkdir(parents=True)
    (d / "config.v2.json").write_text(json.dumps({"ID": "s1", "Name": "/linked-file"}))
    os.symlink(secret, d / "s1-json.log")
    # A container directory that is itself a symlink to a directory elsewhere.
    real = outside / "s2"
    real.mkdir()
    (real / "config.v2.json").write_text(json.dumps({"ID": "s2", "Name": "/linked-dir"}))
    (real / "s2-json.log").write_bytes(FakeDocker.line("secret via dir link"))
    os.symlink(real, docker.root / "s2")
    docker.add("c1", "web")
    h = start(host_factory, docker)
    secret.open("ab").write(FakeDocker.line("secret appended"))
    (real / "s2-json.log").open("ab").write(FakeDocker.line("secret appended 2"))
    time.sleep(2.5)  # two rescans
    docker.write("c1", "control")
    assert wait_for(lambda: "control" in messages(h))
    assert messages(h) == ["control"]
    r = h.request("log-viewer", "GET", "/api/logs/containers").json()
    assert [c["name"] for c in r["containers"]] == ["web"]
    # A regular log file replaced by a symlink (as a rotation) is not followed either.
    p = docker.log_path("c1")
    os.rename(p, str(p) + ".1")
    os.symlink(secret, p)
    secret.open("ab").write(FakeDocker.line("secret after swap"))
    time.sleep(2.5)
    assert not [m for m in messages(h) if m.startswith("secret")], messages(h)


# --- item 13: two rotations in quick succession -----------------------------------------------------------------

def _burst(docker, cid, shift):
    """rotate, 50 lines, rotate, 50 lines, as fast as possible."""
    p = str(docker.log_path(cid))
    lines1 = b"".join(FakeDocker.line(f"second {i}") for i in range(50))
    lines2 = b"".join(FakeDocker.line(f"third {i}") for i in range(50))

    def rotate():
        if shift and os.path.exists(p + ".1"):
            os.rename(p + ".1", p + ".2")
        os.rename(p, p + ".1")
        open(p, "wb").close()

    rotate()
    with open(p, "ab") as f:
        f.write(lines1)
    rotate()
    with open(p, "ab") as f:
        f.write(lines2)


@pytest.mark.parametrize("shift", [True, False], ids=["docker-shift", "overwrite"])
def test_two_quick_rotations_lose_nothing(host_factory, docker, shift):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", *[f"first {i}" for i in range(100)])
    assert wait_for(lambda: count(h) == 100)
    _burst(docker, "c1", shift)
    wait_for(lambda: count(h) >= 200, timeout=10)
    got = messages(h)
    expected = [f"first {i}" for i in range(100)] + [f"second {i}" for i in range(50)] + \
        [f"third {i}" for i in range(50)]
    assert got == expected, f"{len(got)} stored"


def test_restart_after_two_rotations_reads_the_middle_file(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", *[f"first {i}" for i in range(100)])
    assert wait_for(lambda: count(h) == 100)
    assert h.stop() == 0
    _burst(docker, "c1", True)
    h.start()
    wait_for(lambda: count(h) >= 200, timeout=10)
    got = messages(h)
    assert len(got) == 200 and got[100] == "second 0" and got[-1] == "third 49", f"{len(got)} stored"


def test_replaced_log_does_not_reread_older_rotated_files(host_factory, docker):
    # Guard for the rotation fix: when the open file vanished without being rotated, rotated files older than
    # it (already read) are not read again.
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", *[f"a{i}" for i in range(10)])
    assert wait_for(lambda: count(h) == 10)
    docker.rotate("c1")
    docker.write("c1", *[f"b{i}" for i in range(10)])
    assert wait_for(lambda: count(h) == 20)
    time.sleep(0.05)
    p = str(docker.log_path("c1"))
    with open(p + ".new", "wb") as f:
        f.write(FakeDocker.line("c0"))
    os.rename(p + ".new", p)  # replaces the open file: it is gone, .1 is older
    assert wait_for(lambda: count(h) >= 21)
    time.sleep(1.5)
    assert messages(h) == [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)] + ["c0"]
