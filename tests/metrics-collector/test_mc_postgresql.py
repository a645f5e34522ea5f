"""The metrics collector on PostgreSQL (host.storage = postgresql): two real hosts on one throwaway cluster
(tests/pg_cluster.py). Points ingested on either host are answered by both; rollups run once per window across the
hosts (checked in the database: one row per series and window whose count is exactly the points acknowledged for it,
and the recorded aggregation steps follow each other without gap or overlap), also when the host doing them is
killed; bad input changes nothing."""
import random
import string
import threading
import time
from collections import Counter

from mc_helpers import PLUGIN, get, now_ms, point, post
from monlight_test import http

MINUTE = 60000
HOUR = 3600000


def pg_config(dsn, **extra):
    cfg = {"host.storage": "postgresql", "host.postgresql_dsn": dsn, "host.postgresql_pool_size": "4",
           "metrics-collector.aggregation_interval": "1"}
    cfg.update({f"metrics-collector.{k}": str(v) for k, v in extra.items()})
    return cfg


def two_hosts(host_factory, dsn, **extra):
    return [host_factory(plugins=[PLUGIN], config=pg_config(dsn, **extra)) for _ in range(2)]


def sql(pg_server, dsn, query):
    return pg_server.psql(query, dsn.rsplit("dbname=", 1)[1])


def rows(pg_server, dsn, query):
    out = sql(pg_server, dsn, query)
    return [tuple(line.split("|")) for line in out.splitlines()] if out else []


def accepted(r, n):
    assert r.status == 202, r
    assert r.json() == {"status": "accepted", "count": n, "dropped": 0}


def without_now(body):
    """A /api/metrics answer without what depends on the answering host's clock."""
    body = dict(body)
    body.pop("from", None)
    body.pop("to", None)
    for b in body.get("data", []):
        b.pop("partial", None)
    return body


def rollup_counts(pg_server, dsn, resolution):
    """{(name, labels, bucket): (rows, count)} of the rollup rows at `resolution`."""
    got = rows(pg_server, dsn, "SELECT s.name, s.labels, r.bucket, count(*), sum(r.count) FROM "
                               "metrics_collector.metrics_rollup r JOIN metrics_collector.series s "
                               f"ON s.id = r.series_id WHERE r.resolution = {resolution} GROUP BY 1, 2, 3")
    return {(n, l, int(b)): (int(c), int(s)) for n, l, b, c, s in got}


def watermarks(pg_server, dsn):
    return {k: int(v) for k, v in rows(pg_server, dsn, "SELECT key, value FROM metrics_collector.meta")}


def runs(pg_server, dsn, resolution=60):
    return [(int(f), int(t), h) for f, t, h in rows(
        pg_server, dsn, f"SELECT from_ms, to_ms, host FROM metrics_collector.aggregation_runs WHERE resolution = "
                        f"{resolution} ORDER BY from_ms")]


def assert_runs_contiguous(rs):
    assert rs, "no aggregation step recorded"
    for (f1, t1, _), (f2, t2, _) in zip(rs, rs[1:]):
        assert t1 == f2, f"window [{f1}, {t1}) followed by [{f2}, {t2}): a gap or an overlap"
    assert all(f < t for f, t, _ in rs)


def wait_until(what, check, timeout, hosts=()):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s\n" +
                                 "\n".join(h.log()[-2000:] for h in hosts if h.proc is not None))
        time.sleep(0.2)


def no_dirty(pg_server, dsn):
    return sql(pg_server, dsn, "SELECT count(*) FROM metrics_collector.dirty_buckets") == "0"


def test_points_from_both_hosts_are_answered_by_either(host_factory, pg_server, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    now = now_ms()
    ts = now - 2000
    accepted(post(a, {"project": "shop", "metrics": [point("latency", v, ts, labels={"route": "/a"})
                                                      for v in (0.1, 0.2, 0.3)]}), 3)
    accepted(post(b, {"project": "shop", "metrics": [point("latency", v, ts, labels={"route": "/b"})
                                                      for v in (1.0, 2.0)]}), 2)
    accepted(post(b, [point("requests", 1, ts, typ="counter", project="api")]), 1)
    assert sql(pg_server, pg_dsn, "SELECT count(*) FROM metrics_collector.metrics_raw") == "6"
    for h in (a, b):
        assert get(h, "/api/projects").json() == {"projects": ["api", "shop"]}
        names = get(h, "/api/metrics/names").json()["metrics"]
        assert [(m["name"], m["type"], m["series"]) for m in names] == [("latency", "histogram", 2),
                                                                         ("requests", "counter", 1)]
        assert get(h, "/api/metrics/labels?name=latency").json()["labels"] == {"route": ["/a", "/b"]}
    answers = [get(h, "/api/metrics?name=latency&period=1h&resolution=minute").json() for h in (a, b)]
    assert without_now(answers[0]) == without_now(answers[1])
    data = answers[0]["data"]
    assert sum(d["count"] for d in data) == 5
    assert min(d["min"] for d in data) == 0.1 and max(d["max"] for d in data) == 2.0
    grouped = get(b, "/api/metrics?name=latency&period=1h&group_by=route").json()["series"]
    assert sorted((s["labels"]["route"], sum(d["count"] for d in s["data"])) for s in grouped) == [("/a", 3),
                                                                                                  ("/b", 2)]
    dash = [get(h, "/api/dashboard?period=1h").json()["summary"] for h in (a, b)]
    assert dash[0] == dash[1] and dash[0]["total_datapoints"] == 6


def test_late_points_from_both_hosts_give_one_row_per_series_and_window(host_factory, pg_server, pg_dsn):
    """Points of the last two hours (older than the watermarks, so folded by the dirty-bucket recompute on
    whichever host leads) posted to both hosts at once: each minute and each whole hour has one rollup row per
    series, counting exactly the points acknowledged for it; answers agree with the raw points."""
    a, b = two_hosts(host_factory, pg_dsn, retention_raw_hours=3)
    now = now_ms()
    start = (now - 2 * HOUR) // HOUR * HOUR + 5 * MINUTE
    batches = []
    for i in range(40):
        ts0 = start + i * 3 * MINUTE + 1000
        if ts0 >= now // MINUTE * MINUTE:
            break
        batches.append([point("latency", 0.01 * (i + k), ts0 + k * 7000, labels={"host": f"h{k % 3}"})
                        for k in range(6)])
    threads, replies = [], [None] * len(batches)

    def send(i):
        replies[i] = post((a, b)[i % 2], batches[i])

    for i in range(len(batches)):
        threads.append(threading.Thread(target=send, args=(i,)))
        threads[-1].start()
    for t in threads:
        t.join()
    for i, r in enumerate(replies):
        accepted(r, len(batches[i]))
    wait_until("dirty buckets recomputed", lambda: no_dirty(pg_server, pg_dsn), 60, (a, b))

    expected_min, expected_hour = Counter(), Counter()
    w = watermarks(pg_server, pg_dsn)
    for batch in batches:
        for p in batch:
            key = f'{{"host":"{p["labels"]["host"]}"}}'
            if p["timestamp"] < w["minute_watermark"]:  # (a minute may have started since the hosts did)
                expected_min[("latency", key, p["timestamp"] // MINUTE * MINUTE)] += 1
            if p["timestamp"] < w["hour_watermark"]:
                expected_hour[("latency", key, p["timestamp"] // HOUR * HOUR)] += 1
    minutes = {k: v for k, v in rollup_counts(pg_server, pg_dsn, 60).items() if k[2] < w["minute_watermark"]}
    assert minutes == {k: (1, n) for k, n in expected_min.items()}
    assert rollup_counts(pg_server, pg_dsn, 3600) == {k: (1, n) for k, n in expected_hour.items()}
    total = sum(len(bt) for bt in batches)
    for h in (a, b):
        body = get(h, "/api/metrics?name=latency&period=3h&resolution=hour").json()
        assert sum(d["count"] for d in body["data"]) == total
    rs = runs(pg_server, pg_dsn)
    if rs:  # a minute may have closed meanwhile
        assert_runs_contiguous(rs)


def test_rollups_run_once_per_window_and_a_killed_leader_is_replaced(host_factory, pg_server, pg_dsn):
    """Both hosts tick every second while points arrive on both; the minute that closes is folded by one of them
    (one recorded step, one row per series, every acknowledged point counted once, also points of that minute
    acknowledged while it was being folded). The host that folded it is then killed (SIGKILL); the other folds the
    next minute at its next tick, continuing exactly where the watermark stood."""
    hosts = two_hosts(host_factory, pg_dsn, rate_limit=100000)
    start_wm = watermarks(pg_server, pg_dsn)["minute_watermark"]
    acked = Counter()  # (labels, minute) -> points acknowledged
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def ingest(live, me):
        n = 0
        while not stop.is_set():
            h = live[(n + me) % len(live)]
            # Every other batch is 8 s late: from the end of a minute until 8 s after it (the step folds it at about
            # 5-6 s) these points belong to the minute being folded, on both hosts at once.
            ts = now_ms() - (0 if n % 2 else 8000)
            pts = [point("work", float(n % 7), ts, typ="gauge", labels={"k": f"v{j}"}) for j in range(3)]
            r = post(h, pts)
            if r.status != 202:
                errors.append(r)
                return
            with lock:
                for p in pts:
                    acked[(f'{{"k":"{p["labels"]["k"]}"}}', ts // MINUTE * MINUTE)] += 1
            n += 1
            time.sleep(0.03)

    def check_counts(upto):
        got = {k: v for k, v in rollup_counts(pg_server, pg_dsn, 60).items() if k[2] < upto}
        with lock:
            want = {("work", labels, m): (1, n) for (labels, m), n in acked.items() if m < upto}
        assert got == want

    def run_ingest(live):
        workers = [threading.Thread(target=ingest, args=(live, me)) for me in range(3)]
        for w in workers:
            w.start()
        return workers

    workers = run_ingest(hosts)
    try:
        # the first minute after start closes (+ 5 s grace) while both hosts ingest and tick
        first = wait_until("a minute folded", lambda: [r for r in runs(pg_server, pg_dsn) if r[0] >= start_wm],
                           100, hosts)
        time.sleep(3)  # points of the folded minute keep arriving (8 s late ones)
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert not errors, errors
    wait_until("late points recomputed", lambda: no_dirty(pg_server, pg_dsn), 30, hosts)
    rs = runs(pg_server, pg_dsn)
    assert_runs_contiguous(rs)
    check_counts(rs[-1][1])

    pids = {f"{h.proc.pid}": h for h in hosts}
    leader_pid = first[0][2].rsplit(":", 1)[1]
    assert leader_pid in pids, (first, list(pids))
    leader = pids[leader_pid]
    survivor = next(h for h in hosts if h is not leader)
    leader.kill()  # SIGKILL: no shutdown, whatever it held goes with its connections
    folded_before = rs[-1][1]

    stop.clear()
    workers = run_ingest([survivor])
    try:
        later = wait_until("the survivor folds the next minute",
                           lambda: [r for r in runs(pg_server, pg_dsn) if r[0] >= folded_before], 100, [survivor])
        time.sleep(3)
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert not errors, errors
    assert all(r[2].endswith(f":{survivor.proc.pid}") for r in later), later
    wait_until("late points recomputed", lambda: no_dirty(pg_server, pg_dsn), 30, [survivor])
    rs = runs(pg_server, pg_dsn)
    assert_runs_contiguous(rs)
    assert rs[0][0] == start_wm
    check_counts(rs[-1][1])
    assert watermarks(pg_server, pg_dsn)["minute_watermark"] == rs[-1][1]
    # the survivor answers what both hosts stored
    body = get(survivor, "/api/metrics?name=work&period=1h&resolution=minute").json()
    with lock:
        assert sum(d["count"] for d in body["data"]) == sum(acked.values())


def test_bad_input_changes_nothing_on_either_host(host_factory, pg_server, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    accepted(post(a, [point("m", 1, typ="gauge")]), 1)
    before = sql(pg_server, pg_dsn, "SELECT (SELECT count(*) FROM metrics_collector.metrics_raw), "
                                    "(SELECT count(*) FROM metrics_collector.series)")
    for h in (a, b):
        r = post(h, [point("m", 1, typ="gauge"), {"name": "m", "type": "summary", "value": 1}])
        assert r.status == 400
        assert r.json() == {"detail": "Field 'type' must be 'counter', 'histogram', or 'gauge'", "index": 1}
        r = post(h, "[{]")
        assert r.status == 400 and r.json() == {"detail": "Invalid JSON"}
        r = get(h, "/api/metrics?name=m&resolution=second")
        assert r.status == 400 and r.json() == {"detail": "Invalid parameter: resolution"}
        assert h.request(PLUGIN, "POST", "/api/metrics", [point("m", 1)], key=False).status == 401
    after = sql(pg_server, pg_dsn, "SELECT (SELECT count(*) FROM metrics_collector.metrics_raw), "
                                   "(SELECT count(*) FROM metrics_collector.series)")
    assert before == after


def test_long_labels_are_stored_and_answered(host_factory, pg_server, pg_dsn):
    """32 labels of 1000 characters (the most a point may carry) are one series, as on SQLite."""
    a, b = two_hosts(host_factory, pg_dsn)
    rng = random.Random(16)  # values that do not compress (a compressed index entry could still fit)
    labels = {f"k{i:02d}": "".join(rng.choice(string.ascii_letters) for _ in range(1000)) for i in range(32)}
    accepted(post(a, [point("long", 1.0, typ="gauge", labels=labels)]), 1)
    accepted(post(b, [point("long", 2.0, typ="gauge", labels=labels)]), 1)
    assert sql(pg_server, pg_dsn, "SELECT count(*) FROM metrics_collector.series WHERE name = 'long'") == "2"
    body = get(b, "/api/metrics?name=long&period=1h&labels=k01:" + labels["k01"]).json()
    assert sum(d["count"] for d in body["data"]) == 2


def test_series_limit_counts_the_series_of_every_host(host_factory, pg_server, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn, max_series_per_project=3)
    accepted(post(a, {"project": "p", "metrics": [point("m", 1, typ="gauge", labels={"i": "1"}),
                                                   point("m", 1, typ="gauge", labels={"i": "2"})]}), 2)
    r = post(b, {"project": "p", "metrics": [point("m", 1, typ="gauge", labels={"i": str(i)}) for i in (1, 3, 4)]})
    assert r.status == 202 and r.json() == {"status": "accepted", "count": 2, "dropped": 1}
    assert sql(pg_server, pg_dsn, "SELECT count(*) FROM metrics_collector.series WHERE is_rollup = 0") == "3"


def test_migrations_apply_once(host_factory, pg_server, pg_dsn):
    two_hosts(host_factory, pg_dsn)
    assert sql(pg_server, pg_dsn, "SELECT version FROM metrics_collector.schema_migrations ORDER BY version") == "1"


def test_postgresql_restart_is_503_and_unhealthy_then_recovers_without_losing_points(host_factory, pg_private):
    dsn = pg_private.create_database("monlight")
    a, b = two_hosts(host_factory, dsn)
    ts = now_ms() - 1000
    acked = 0
    for i in range(6):
        accepted(post((a, b)[i % 2], [point("up", float(i), ts, typ="gauge")]), 1)
        acked += 1
    pg_private.stop("fast")
    down = post(a, [point("up", 1.0, ts, typ="gauge")])
    assert down.status == 503 and down.json()["detail"] == "Database unavailable"
    health = http("GET", a.url(PLUGIN) + "/health")
    assert health.status == 503 and "PostgreSQL unavailable" in health.json()["detail"]
    assert get(b, "/api/metrics?name=up&period=1h").status == 503
    pg_private.start()
    pg_private.wait_accepting()
    for h in (a, b):
        h.wait_healthy(60)
    for i in range(6):
        accepted(post((b, a)[i % 2], [point("up", float(i), ts, typ="gauge")]), 1)
        acked += 1
    for h in (a, b):
        body = get(h, "/api/metrics?name=up&period=1h&resolution=minute").json()
        assert sum(d["count"] for d in body["data"]) == acked
