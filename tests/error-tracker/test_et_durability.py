"""Retention and crash safety (SPEC §2.11, §0.15)."""
import sqlite3
import threading
import time

from et_helpers import sqlite_only



def post(h, i):
    body = {"project": "crash", "exception_type": f"E{i % 50}", "message": f"m{i}", "traceback": "",
            "user_id": str(i)}
    return h.request("error-tracker", "POST", "/api/errors", body, timeout=5)


@sqlite_only
def test_retention_deletes_old_resolved_groups(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.retention_days": "1"})
    ids = []
    for t in ("Old", "Recent", "Open"):
        ids.append(h.request("error-tracker", "POST", "/api/errors",
                             {"project": "p", "exception_type": t, "message": "", "traceback": ""}).json()["id"])
    h.request("error-tracker", "POST", f"/api/errors/{ids[0]}/resolve")
    h.request("error-tracker", "POST", f"/api/errors/{ids[1]}/resolve")
    assert h.stop() == 0
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    two_days_ago = int(time.time() * 1000) - 2 * 86400 * 1000
    con.execute("UPDATE errors SET resolved_at = ? WHERE id = ?", (two_days_ago, ids[0]))
    con.commit()
    con.close()
    h.start()
    deadline = time.time() + 15
    while time.time() < deadline:
        if h.request("error-tracker", "GET", f"/api/errors/{ids[0]}").status == 404:
            break
        time.sleep(0.2)
    assert h.request("error-tracker", "GET", f"/api/errors/{ids[0]}").status == 404
    assert h.request("error-tracker", "GET", f"/api/errors/{ids[1]}").status == 200
    assert h.request("error-tracker", "GET", f"/api/errors/{ids[2]}").status == 200
    assert "retention: deleted 1 resolved error groups" in h.log()
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    assert con.execute("SELECT count(*) FROM error_occurrences WHERE error_id = ?", (ids[0],)).fetchone()[0] == 0
    con.close()


@sqlite_only
def test_acknowledged_errors_survive_sigkill(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.max_occurrences": "1000",
                                                        "error-tracker.rate_limit": "0"})
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(base):
        i = base
        while not stop.is_set():
            try:
                r = post(h, i)
                if r.status in (200, 201):
                    with lock:
                        acked.append(i)
            except OSError:
                pass
            i += 8
    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    h.kill()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 20
    h.start()
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    stored = {int(r[0]) for r in con.execute("SELECT user_id FROM error_occurrences")}
    total = con.execute("SELECT sum(count) FROM errors").fetchone()[0]
    groups = con.execute("SELECT count(*) FROM errors").fetchone()[0]
    con.close()
    missing = [i for i in acked if i not in stored]
    assert missing == []
    assert total >= len(acked)
    # the restarted host serves the data
    r = h.request("error-tracker", "GET", "/api/errors?project=crash&limit=200")
    assert r.status == 200 and r.json()["total"] == groups == len({i % 50 for i in stored})
