"""Rotation, truncation, restarts and crashes: every line written is stored exactly once, in order."""
import threading
import time

import pytest

from lvhelpers import FakeDocker, wait_for
from test_lv_api import messages, start


@pytest.fixture
def docker(tmp_path):
    return FakeDocker(tmp_path / "containers")


def wait_exact(h, expected, timeout=15):
    got = wait_for(lambda: (lambda m: m if len(m) >= len(expected) else None)(messages(h)), timeout)
    time.sleep(0.3)
    return messages(h)


def test_rotation_mid_stream_reads_rest_of_old_file_first(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", "before 1", "before 2")
    assert wait_for(lambda: len(messages(h)) == 2)
    # Lines appended right before the rename land in the old file and must still be read.
    docker.write("c1", "old tail 1", "old tail 2")
    docker.rotate("c1")
    docker.write("c1", "new 1", "new 2")
    expected = ["before 1", "before 2", "old tail 1", "old tail 2", "new 1", "new 2"]
    assert wait_exact(h, expected) == expected


def test_truncation_continues_at_zero(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", "a", "b")
    assert wait_for(lambda: len(messages(h)) == 2)
    docker.truncate("c1")
    time.sleep(1.5)  # the safety poll sees the shorter file
    docker.write("c1", "c")
    assert wait_exact(h, ["a", "b", "c"]) == ["a", "b", "c"]


def test_restart_has_no_duplicates_and_no_gaps(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker)
    docker.write("c1", *[f"line {i}" for i in range(100)])
    assert wait_for(lambda: len(messages(h)) == 100)
    # Half a line is in the file when the host stops.
    half = docker.line("line 100")
    docker.write_raw("c1", half[:20])
    time.sleep(0.3)
    assert h.stop() == 0
    docker.write_raw("c1", half[20:])
    docker.write("c1", *[f"line {i}" for i in range(101, 150)])
    h.start()
    expected = [f"line {i}" for i in range(150)]
    assert wait_exact(h, expected) == expected


def test_pending_traceback_survives_restart(host_factory, docker):
    docker.add("c1", "web")
    h = start(host_factory, docker, multiline_flush_ms=5000)
    docker.write("c1", "Traceback (most recent call last):", '  File "x.py", line 1', stream="stderr")
    time.sleep(0.8)
    assert h.stop() == 0  # shutdown stores the pending entry
    h.start()
    docker.write("c1", "after restart")
    got = wait_exact(h, [1, 2])
    assert got == ['Traceback (most recent call last):\n  File "x.py", line 1', "after restart"]


def test_sigkill_during_ingest_loses_and_duplicates_nothing(host_factory, docker):
    docker.add("c1", "web")
    docker.add("c2", "worker")
    h = start(host_factory, docker)
    total = 6000
    stop = threading.Event()

    def writer(cid, prefix):
        for i in range(total):
            docker.write(cid, f"{prefix} {i}", stream="stderr" if i % 7 == 0 else "stdout")
            if i % 200 == 0:
                time.sleep(0.01)
        stop.set()

    threads = [threading.Thread(target=writer, args=("c1", "web")), threading.Thread(target=writer, args=("c2", "wrk"))]
    for t in threads:
        t.start()
    wait_for(lambda: len(messages(h)) > 50, 10)
    h.kill()
    for t in threads:
        t.join()
    h.start()

    def all_rows():
        rows, offset = [], 0
        while True:
            r = h.request("log-viewer", "GET", f"/api/logs?limit=500&offset={offset}").json()
            rows += r["logs"]
            offset += 500
            if offset >= r["total"]:
                return rows

    wait_for(lambda: h.request("log-viewer", "GET", "/api/logs?limit=1").json()["total"] >= 2 * total, 30)
    time.sleep(1)
    rows = all_rows()
    for prefix in ("web", "wrk"):
        got = sorted(int(r["message"].split()[1]) for r in rows if r["message"].startswith(prefix + " "))
        assert got == list(range(total)), prefix
    assert len(rows) == 2 * total
