"""Shutdown (SPEC §0.17), group commit and durability (§0.15), startup failures with their exit codes (§0.2)."""
import signal
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from monlight_test import http, run_host

P = "fixture-good"


def fatal_lines(text):
    return [l for l in text.splitlines() if l.startswith("monlight-host: ") and "warning" not in l]


def wait_exit(h, timeout=20):
    h.proc.wait(timeout)
    code = h.proc.returncode
    h._close_log()
    h.proc = None
    return code


def test_sigterm_exits_zero_within_10s(fixture_host):
    h = fixture_host(combined=True)
    assert h.request(P, "POST", "/api/items", body={"text": "a"}).status == 201
    t0 = time.monotonic()
    h.proc.send_signal(signal.SIGTERM)
    code = wait_exit(h, 15)
    assert code == 0
    assert time.monotonic() - t0 < 10
    assert "received SIGTERM" in h.log()


def test_sigint_exits_zero(fixture_host):
    h = fixture_host()
    h.proc.send_signal(signal.SIGINT)
    assert wait_exit(h, 15) == 0


def test_inflight_request_finishes_during_shutdown(fixture_host):
    h = fixture_host()
    result = {}

    def slow():
        result["r"] = h.request(P, "GET", "/api/slow?ms=1500", timeout=15)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.4)
    t0 = time.monotonic()
    h.proc.send_signal(signal.SIGTERM)
    # The listening socket is closed at once: new connections are refused while the slow request runs.
    time.sleep(0.3)
    refused = False
    try:
        http("GET", h.url(P) + "/health", timeout=2)
    except OSError:
        refused = True
    t.join(15)
    code = wait_exit(h, 15)
    assert result["r"].status == 200 and result["r"].json() == {"slept": 1500}
    assert code == 0
    assert refused
    assert time.monotonic() - t0 < 10


def test_group_commit_concurrent_posts_survive_restart(fixture_host):
    h = fixture_host(config={"fixture-good.max_threads": "16"})
    n = 300

    def post(i):
        return i, h.request(P, "POST", "/api/items", body={"text": f"item-{i}"}, timeout=30)

    with ThreadPoolExecutor(max_workers=32) as ex:
        results = list(ex.map(post, range(n)))
    ids = {}
    for i, r in results:
        assert r.status == 201, r
        ids[r.json()["id"]] = f"item-{i}"
    assert len(ids) == n  # every id distinct
    assert h.stop() == 0
    # Every acknowledged row is in the database file...
    db = sqlite3.connect(h.data_dir / "fixture-good.db")
    rows = dict(db.execute("SELECT id, body FROM items").fetchall())
    db.close()
    assert rows == ids
    # ...and served after a restart.
    h.start()
    for item_id, text in list(ids.items())[:: max(1, n // 30)]:
        r = h.request(P, "GET", f"/api/items/{item_id}")
        assert r.status == 200 and r.json() == {"text": text}


def test_acknowledged_write_survives_sigkill(fixture_host):
    h = fixture_host()
    r = h.request(P, "POST", "/api/items", body={"text": "durable"})
    assert r.status == 201
    h.kill()
    h.start()
    assert h.request(P, "GET", f"/api/items/{r.json()['id']}").json() == {"text": "durable"}


def test_database_meta_and_pragmas(fixture_host):
    h = fixture_host()
    assert h.stop() == 0
    db = sqlite3.connect(h.data_dir / "fixture-good.db")
    meta = dict(db.execute("SELECT key, value FROM _meta").fetchall())
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    db.close()
    assert meta == {"format": "monlight-cpp", "schema_version": "1"}
    assert mode == "wal"


def test_newer_schema_version_refused_65(fixture_host):
    h = fixture_host()
    assert h.stop() == 0
    path = h.data_dir / "fixture-good.db"
    db = sqlite3.connect(path)
    db.execute("UPDATE _meta SET value='7' WHERE key='schema_version'")
    db.commit()
    db.close()
    h.start(wait=False)
    code = wait_exit(h)
    assert code == 65
    lines = fatal_lines(h.log())
    assert lines == [f"monlight-host: database error: {path}: schema version 7 is newer than this build supports (1);"
                     " refusing to start"], h.log()


def test_foreign_database_refused_65(fixture_host):
    h = fixture_host(start=False)
    h.data_dir.mkdir(parents=True)
    path = h.data_dir / "fixture-good.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO _meta VALUES('schema_version','1')")
    db.commit()
    db.close()
    h.start(wait=False)
    assert wait_exit(h) == 65
    assert any("was not created by this implementation (format key missing)" in l for l in fatal_lines(h.log()))


def test_data_dir_below_regular_file_73(fixture_host, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    h = fixture_host(start=False, config={"host.data_dir": str(blocker / "data")})
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 73, r.stderr
    assert r.stdout == ""
    lines = fatal_lines(r.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"monlight-host: database error: {blocker / 'data'}: "
                                                   "cannot create directory:"), r.stderr
    h.start(wait=False)
    assert wait_exit(h) == 73
    assert fatal_lines(h.log())[0].startswith("monlight-host: database error: ")


def test_port_in_use_71(fixture_host):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        h = fixture_host(start=False, config={"fixture-good.listen": f"127.0.0.1:{port}"})
        h.start(wait=False)
        assert wait_exit(h) == 71
        lines = fatal_lines(h.log())
        assert lines == [f"monlight-host: listen error: fixture-good.listen=127.0.0.1:{port}: Address already in use"], \
            h.log()
    finally:
        s.close()


def test_init_throws_70(fixture_host):
    h = fixture_host(start=False, plugins=["fixture-init-throws"],
                     config={"fixture-init-throws.api_key": "init-throws-key-000000"})
    h.start(wait=False)
    assert wait_exit(h) == 70
    lines = fatal_lines(h.log())
    assert lines == ["monlight-host: plugin error: fixture-init-throws: initialize failed: fixture refuses to start"], \
        h.log()
    # Nothing is listening afterwards, and the other plugin that was initialized was shut down cleanly.
    try:
        http("GET", h.url(P) + "/health", timeout=1)
        listening = True
    except OSError:
        listening = False
    assert not listening


def test_every_acknowledged_write_survives_sigterm_under_load(fixture_host):
    h = fixture_host(config={"fixture-good.max_threads": "16"})
    acked = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(c):
        i = 0
        while not stop.is_set():
            i += 1
            text = f"c{c}-{i}"
            try:
                r = h.request(P, "POST", "/api/items", body={"text": text}, timeout=15)
            except OSError:
                return
            if r.status == 201:
                with lock:
                    acked[r.json()["id"]] = text
            else:
                assert r.status == 503 and r.json()["detail"] == "Shutting down", r

    threads = [threading.Thread(target=client, args=(c,)) for c in range(12)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    h.proc.send_signal(signal.SIGTERM)
    code = wait_exit(h, 15)
    stop.set()
    for t in threads:
        t.join(20)
    assert code == 0
    # Not rescued by the 9.5 s watchdog (a dispatcher thread sleeping through Poco's idle time used to hang joinAll).
    assert "shutdown did not finish" not in h.log()
    assert "stopped in" in h.log()
    assert len(acked) > 0
    db = sqlite3.connect(h.data_dir / "fixture-good.db")
    rows = dict(db.execute("SELECT id, body FROM items").fetchall())
    db.close()
    for item_id, text in acked.items():
        assert rows.get(item_id) == text
