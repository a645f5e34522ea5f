"""The error tracker on PostgreSQL (host.storage = postgresql): two real hosts on one throwaway cluster
(tests/pg_cluster.py). A group is created exactly once and counted in full whichever host takes the reports, a
resolve on one host is what the other reads, a wrong DSN is one startup line, and a PostgreSQL restart answers 503
(health not ok) and then recovers without losing an acknowledged report."""
import shutil
import subprocess
from pathlib import Path
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from et_helpers import report
from monlight_test import free_port, http, plugin_dir, run_host


def pg_config(dsn, **extra):
    cfg = {"host.storage": "postgresql", "host.postgresql_dsn": dsn, "host.postgresql_pool_size": "4"}
    cfg.update(extra)
    return cfg


def two_hosts(host_factory, dsn):
    key = "pg-test-key-0123456789abcdef"
    a = host_factory(plugins=["error-tracker"], config=pg_config(dsn, **{"error-tracker.api_key": key}))
    b = host_factory(plugins=["error-tracker"], config=pg_config(dsn, **{"error-tracker.api_key": key}))
    return a, b


def post(h, body):
    return h.request("error-tracker", "POST", "/api/errors", body)


def groups(h, query=""):
    r = h.request("error-tracker", "GET", "/api/errors?limit=100&resolved=all" + query)
    assert r.status == 200, r
    return r.json()


def test_same_fingerprints_from_two_hosts_are_created_once_and_counted_in_full(host_factory, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    kinds = [f"Kind{i}Error" for i in range(5)]
    jobs = [(a if n % 2 else b, kinds[n % len(kinds)]) for n in range(100)]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda j: post(j[0], report(exception_type=j[1], message=f"{j[1]} failed")), jobs))
    assert all(r.status in (200, 201) for r in replies), [r for r in replies if r.status not in (200, 201)]
    created = [r.json()["fingerprint"] for r in replies if r.json()["status"] == "created"]
    assert len(created) == len(kinds) and len(set(created)) == len(kinds)
    assert sorted(r.status for r in replies).count(201) == len(kinds)
    for h in (a, b):
        body = groups(h)
        assert body["total"] == len(kinds)
        assert sorted(g["exception_type"] for g in body["errors"]) == kinds
        assert all(g["count"] == 100 // len(kinds) for g in body["errors"])
        assert sum(g["count"] for g in body["errors"]) == 100
    # the highest count answered for a fingerprint is its final count: every increment was seen once
    by_fp = {}
    for r in replies:
        j = r.json()
        by_fp.setdefault(j["fingerprint"], []).append(j["count"])
    assert all(sorted(c) == list(range(1, 21)) for c in by_fp.values())
    # the full-text search finds a group through either host
    for h in (b, a):
        found = groups(h, "&search=Kind3Error")
        assert [g["exception_type"] for g in found["errors"]] == ["Kind3Error"]
        assert groups(h, "&search=Kind3Err*")["total"] == 1
        assert groups(h, "&search=nosuchword")["total"] == 0


def test_batched_commits_of_two_hosts_sharing_groups_neither_deadlock_nor_miscount(host_factory, pg_dsn):
    """Each host stores the reports waiting at once in one transaction (group commit). 16 clients on two hosts send
    400 reports over 20 groups in shuffled order: every report is acknowledged, each group is created once, and
    each group's answered counts are exactly 1..n (no increment lost or repeated across batches)."""
    import random
    cfg = pg_config(pg_dsn, **{"error-tracker.api_key": "pg-test-key-0123456789abcdef", "error-tracker.rate_limit": "0"})
    a = host_factory(plugins=["error-tracker"], config=cfg)
    b = host_factory(plugins=["error-tracker"], config=cfg)
    kinds = [f"Batch{i}Error" for i in range(20)]
    jobs = [(a if n % 2 else b, kinds[n % len(kinds)]) for n in range(400)]
    random.Random(7).shuffle(jobs)
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda j: post(j[0], report(exception_type=j[1], message="batched")), jobs))
    assert all(r.status in (200, 201) for r in replies), [r for r in replies if r.status not in (200, 201)][:3]
    by_fp = {}
    for r in replies:
        j = r.json()
        by_fp.setdefault(j["fingerprint"], []).append(j["count"])
    assert len(by_fp) == len(kinds)
    assert all(sorted(c) == list(range(1, 21)) for c in by_fp.values())
    assert sorted(r.status for r in replies).count(201) == len(kinds)
    assert sum(g["count"] for g in groups(a)["errors"]) == 400


def test_resolve_on_one_host_is_seen_on_the_other_and_reopens_once(host_factory, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    r = post(a, report())
    assert r.status == 201 and r.json()["status"] == "created"
    gid = r.json()["id"]
    assert a.request("error-tracker", "POST", f"/api/errors/{gid}/resolve").status == 200
    g = b.request("error-tracker", "GET", f"/api/errors/{gid}").json()
    assert g["resolved"] is True and g["resolved_at"]
    assert groups(b, "&resolved=true")["total"] == 1
    # the same report on both hosts at once: one reopens the group, the other increments it
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda h: post(h, report()), [a, b]))
    assert sorted(x.json()["status"] for x in replies) == ["incremented", "reopened"]
    assert sorted(x.json()["count"] for x in replies) == [2, 3]
    g = a.request("error-tracker", "GET", f"/api/errors/{gid}").json()
    assert g["resolved"] is False and g["count"] == 3
    # the occurrences and per-hour counts of all three reports are on both hosts
    assert len(b.request("error-tracker", "GET", f"/api/errors/{gid}").json()["occurrences"]) == 3
    hist = b.request("error-tracker", "GET", f"/api/errors/{gid}/histogram?period=24h").json()
    assert hist["total"] == 3


def test_a_repeated_event_id_is_stored_once_across_hosts(host_factory, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    ev = "0123456789abcdef0123456789abcdef"
    first = post(a, report(extra={"event_id": ev}))
    again = post(b, report(extra={"event_id": ev}))
    assert first.json()["status"] == "created" and again.json()["status"] == "incremented"
    assert again.json()["count"] == 1
    assert groups(a)["errors"][0]["count"] == 1


def test_migrations_apply_once_and_a_newer_schema_is_refused(host_factory, pg_server, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    dbname = pg_dsn.rsplit("dbname=", 1)[1]
    shipped = sorted((Path(__file__).resolve().parents[2] / "plugins" / "error-tracker" / "sql" / "postgresql")
                     .glob("*.sql"))
    want = "\n".join(str(n) for n in range(1, len(shipped) + 1))
    assert len(shipped) >= 3
    # each shipped migration recorded once, although two hosts started together
    assert pg_server.psql("SELECT version FROM error_tracker.schema_migrations ORDER BY version", dbname) == want
    a.stop()
    b.stop()
    pg_server.psql("INSERT INTO error_tracker.schema_migrations (version) VALUES (99)", dbname)
    h = host_factory(plugins=["error-tracker"], config=pg_config(pg_dsn), start=False)
    r = run_host(["--config", str(h.config_path)], timeout=60)
    assert r.returncode == 65, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.startswith("monlight-host: ")]
    assert len(lines) == 1, r.stderr
    assert "error_tracker" in lines[0] and "newer" in lines[0]


@pytest.mark.parametrize("dsn_kind", ["refused", "malformed", "missing"])
def test_a_wrong_dsn_is_one_startup_line_naming_the_key(host_factory, dsn_kind):
    dsn = {"refused": f"host=127.0.0.1 port={free_port()} user=postgres dbname=x connect_timeout=5",
           "malformed": "host=127.0.0.1 port",
           "missing": ""}[dsn_kind]
    h = host_factory(plugins=["error-tracker"], config=pg_config(dsn), start=False)
    r = run_host(["--config", str(h.config_path)], timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.startswith("monlight-host: ")]
    assert len(lines) == 1, r.stderr
    if dsn_kind == "refused":
        assert r.returncode == 69, r.stderr
        assert lines[0].startswith("monlight-host: database error: host.postgresql_dsn: cannot connect: ")
    else:
        assert r.returncode == 78, r.stderr
        assert lines[0].startswith("monlight-host: config error: host.postgresql_dsn: ")
        check = run_host(["--config", str(h.config_path), "--check-config"])
        assert check.returncode == 78 and "host.postgresql_dsn" in check.stderr


def test_without_its_postgresql_module_the_error_tracker_refuses_to_start_on_postgresql(host_factory, tmp_path,
                                                                                       pg_dsn):
    """The plugins copied without error-tracker-postgresql.so: one startup line naming the module, exit 70; the same
    copy still starts on SQLite (the module is loaded only for host.storage = postgresql)."""
    drop = tmp_path / "plugins-without-pg"
    drop.mkdir()
    for name in ("common.so", "error-tracker.so"):
        shutil.copy(plugin_dir() / name, drop / name)
    h = host_factory(plugins=["error-tracker"], config=pg_config(pg_dsn), start=False, plugin_path=str(drop))
    r = run_host(["--config", str(h.config_path)], timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.startswith("monlight-host: ")]
    assert r.returncode == 70, r.stderr
    assert len(lines) == 1 and "error-tracker-postgresql.so" in lines[0], r.stderr
    sqlite_host = host_factory(plugins=["error-tracker"], config={"host.storage": "sqlite"}, plugin_path=str(drop))
    assert post(sqlite_host, report()).status == 201


def test_unknown_storage_is_refused(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"host.storage": "mysql"}, start=False)
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 78 and "config error: host.storage:" in r.stderr


def test_a_terminated_backend_is_replaced_without_an_error(host_factory, pg_server, pg_dsn):
    a, _ = two_hosts(host_factory, pg_dsn)
    assert post(a, report()).status == 201
    dbname = pg_dsn.rsplit("dbname=", 1)[1]
    killed = pg_server.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            f"WHERE datname = '{dbname}' AND pid <> pg_backend_pid()", dbname)
    assert int(killed) >= 2  # the pooled connections of both hosts
    r = post(a, report())
    assert r.status == 200 and r.json()["count"] == 2
    assert groups(a)["errors"][0]["count"] == 2


def test_postgresql_restart_is_503_and_unhealthy_then_recovers_without_losing_reports(host_factory, pg_private):
    dsn = pg_private.create_database("monlight")
    a, b = two_hosts(host_factory, dsn)
    acked = 0
    for i in range(10):
        r = post(a if i % 2 else b, report(message=f"before {i % 3}"))
        assert r.status in (200, 201), r
        acked += 1
    pg_private.stop("fast")
    down = post(a, report())
    assert down.status == 503 and down.json()["detail"] == "Database unavailable"
    health = http("GET", a.url("error-tracker") + "/health")
    assert health.status == 503 and "PostgreSQL unavailable" in health.json()["detail"]
    assert b.request("error-tracker", "GET", "/api/errors").status == 503
    pg_private.start()
    pg_private.wait_accepting()
    for h in (a, b):
        h.wait_healthy(60)
    for i in range(10):
        r = post(b if i % 2 else a, report(message=f"after {i % 3}"))
        assert r.status in (200, 201), r
        acked += 1
    for h in (a, b):
        assert sum(g["count"] for g in groups(h)["errors"]) == acked


def test_a_host_killed_during_ingest_loses_no_acknowledged_report(host_factory, pg_server, pg_dsn):
    """Host A is SIGKILLed while 8 clients post to it and 2 to host B: every report either host answered 2xx is
    stored (its occurrence and its count), B carries on without an error, and A restarted serves the same data."""
    dbname = pg_dsn.rsplit("dbname=", 1)[1]
    key = "pg-test-key-0123456789abcdef"
    cfg = pg_config(pg_dsn, **{"error-tracker.api_key": key, "error-tracker.max_occurrences": "1000",
                               "error-tracker.rate_limit": "0"})
    a = host_factory(plugins=["error-tracker"], config=cfg)
    b = host_factory(plugins=["error-tracker"], config=cfg)
    acked, failed_on_b = [], []
    lock = threading.Lock()
    stop = threading.Event()

    def client(h, base, step):
        i = base
        while not stop.is_set():
            try:
                r = h.request("error-tracker", "POST", "/api/errors",
                              report(exception_type=f"Kill{i % 50}Error", message=f"m{i}", user_id=str(i)), timeout=5)
                with lock:
                    if r.status in (200, 201):
                        acked.append(i)
                    elif h is b:
                        failed_on_b.append(r.status)
            except OSError:
                if h is b:
                    with lock:
                        failed_on_b.append("network")
            i += step
    threads = [threading.Thread(target=client, args=(a, n, 10)) for n in range(8)]
    threads += [threading.Thread(target=client, args=(b, n, 10)) for n in (8, 9)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    a.kill()
    time.sleep(1.0)  # B keeps taking reports after A's death
    stop.set()
    for t in threads:
        t.join()
    assert len([i for i in acked if i % 10 < 8]) > 20 and len([i for i in acked if i % 10 >= 8]) > 5
    assert failed_on_b == []
    stored = {int(u) for u in pg_server.psql("SELECT user_id FROM error_tracker.error_occurrences", dbname).split()}
    missing = [i for i in acked if i not in stored]
    assert missing == [], f"{len(missing)} acknowledged reports lost"
    total = int(pg_server.psql("SELECT sum(count) FROM error_tracker.errors", dbname))
    assert total == len(stored) >= len(acked)  # a report cut after its commit is stored though unanswered
    a.start()
    for h in (a, b):
        assert sum(g["count"] for g in groups(h)["errors"]) == total


def test_retention_runs_once_a_day_across_hosts(host_factory, pg_server, pg_dsn):
    """Both hosts' daily retention job runs a second after start; the first to claim the day (the database's clock)
    deletes the old resolved groups, the other deletes nothing, and a restart later that day deletes nothing."""
    dbname = pg_dsn.rsplit("dbname=", 1)[1]
    cfg = pg_config(pg_dsn, **{"error-tracker.api_key": "pg-test-key-0123456789abcdef",
                               "error-tracker.retention_days": "1"})
    a = host_factory(plugins=["error-tracker"], config=cfg)
    b = host_factory(plugins=["error-tracker"], config=cfg)
    ids = [post(a, report(exception_type=f"Old{i}Error")).json()["id"] for i in range(2)]
    keep = post(b, report(exception_type="RecentError")).json()["id"]
    for i in ids + [keep]:
        assert a.request("error-tracker", "POST", f"/api/errors/{i}/resolve").status == 200
    two_days_ago = int(time.time() * 1000) - 2 * 86400 * 1000
    pg_server.psql(f"UPDATE error_tracker.errors SET resolved_at = {two_days_ago} WHERE id IN ({ids[0]}, {ids[1]})",
                   dbname)
    for h in (a, b):
        assert h.stop() == 0
    seen = {h: len(h.log()) for h in (a, b)}  # the log file is appended to across restarts
    pg_server.psql("UPDATE error_tracker.jobs SET last_run_day = 0", dbname)  # as if not yet run today
    for h in (a, b):
        h.start(wait=False)
    for h in (a, b):
        h.wait_healthy(30)
    wait_for(lambda: all("retention: deleted" in h.log()[seen[h]:] for h in (a, b)), 30)
    lines = sorted(line.split("retention: deleted ")[1] for h in (a, b) for line in h.log()[seen[h]:].splitlines()
                   if "retention: deleted" in line)
    assert lines == ["0 resolved error groups", "2 resolved error groups"], lines
    assert [a.request("error-tracker", "GET", f"/api/errors/{i}").status for i in ids + [keep]] == [404, 404, 200]
    assert int(pg_server.psql("SELECT last_run_day FROM error_tracker.jobs", dbname)) == int(time.time() // 86400)


def mapped(h, prefix):
    with open(f"/proc/{h.proc.pid}/maps") as f:  # (the test's own directory has "libpq" in its name)
        return any(line.split()[-1].rsplit("/", 1)[-1].startswith(prefix) for line in f)


def maps_libpq(h):
    return mapped(h, "libpq.so")


def test_libpq_is_loaded_only_for_postgresql(host_factory, pg_dsn):
    """libpq and the error tracker's PostgreSQL store (error-tracker-postgresql.so) are mapped only on PostgreSQL."""
    sqlite_host = host_factory(plugins=["error-tracker"], config={"host.storage": "sqlite"})
    assert post(sqlite_host, report()).status == 201
    assert not maps_libpq(sqlite_host)
    assert not mapped(sqlite_host, "error-tracker-postgresql.so")
    pg_host = host_factory(plugins=["error-tracker"], config=pg_config(pg_dsn))
    assert post(pg_host, report()).status == 201
    assert maps_libpq(pg_host)
    assert mapped(pg_host, "error-tracker-postgresql.so")


def test_an_exhausted_pool_answers_503_busy_and_the_host_carries_on(host_factory, pg_server, pg_dsn):
    """pool_size 1: a report blocked on a row lock holds the only connection; the next request waits for a connection
    (5 s), then answers 503 `Server busy` with Retry-After; once the lock goes, both hosts' work completes."""
    dbname = pg_dsn.rsplit("dbname=", 1)[1]
    h = host_factory(plugins=["error-tracker"], config=pg_config(pg_dsn, **{"host.postgresql_pool_size": "1"}))
    assert post(h, report()).status == 201
    locker = subprocess.Popen([str(pg_server.bin / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(pg_server.port),
                               "-U", "postgres", "-d", dbname, "-c",
                               "BEGIN; SELECT id FROM error_tracker.errors FOR UPDATE; SELECT pg_sleep(600); COMMIT;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: pg_server.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' "
                                        "AND wait_event = 'PgSleep'", dbname) == "1")
        with ThreadPoolExecutor(1) as pool:
            blocked = pool.submit(post, h, report())
            wait_for(lambda: pg_server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                            "'monlight' AND wait_event_type = 'Lock'", dbname) == "1")
            busy = h.request("error-tracker", "GET", "/api/errors")
            assert busy.status == 503 and busy.json()["detail"] == "Server busy", busy
            assert busy.headers.get("retry-after") == "1"
            pg_server.psql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                           "WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()", dbname)
            r = blocked.result(60)
            assert r.status == 200 and r.json()["count"] == 2, r
    finally:
        locker.kill()
        locker.wait()
    assert groups(h)["errors"][0]["count"] == 2
    assert http("GET", h.url("error-tracker") + "/health").status == 200


def wait_for(cond, timeout=60):
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, "condition not reached"
        time.sleep(0.05)
