"""Shared helpers for the metrics-collector black-box tests."""
import sqlite3
import time

from monlight_test import http

PLUGIN = "metrics-collector"


def start(host_factory, **config):
    cfg = {"metrics-collector.aggregation_interval": "1"}
    cfg.update({f"metrics-collector.{k}": str(v) for k, v in config.items()})
    return host_factory(plugins=[PLUGIN], config=cfg)


def post(h, body, **kw):
    return h.request(PLUGIN, "POST", "/api/metrics", body, **kw)


def get(h, path, **kw):
    return h.request(PLUGIN, "GET", path, **kw)


def now_ms():
    return int(time.time() * 1000)


def point(name, value, ts=None, typ="histogram", labels=None, project=None):
    p = {"name": name, "type": typ, "value": value}
    if ts is not None:
        p["timestamp"] = ts
    if labels is not None:
        p["labels"] = labels
    if project is not None:
        p["project"] = project
    return p


def db(h):
    """Read-only connection to the plugin's metrics.db (WAL readers never block the host)."""
    c = sqlite3.connect(f"file:{h.data_dir / 'metrics.db'}?mode=ro", uri=True, timeout=10)
    return c


def on_pg(h):
    """(cluster, database) when the host stores on PostgreSQL (MONLIGHT_TEST_STORAGE=postgresql), else None."""
    return getattr(h, "pg", None)


def pg_rows(h, sql):
    cluster, dbname = on_pg(h)
    out = cluster.psql(sql, dbname)
    return [tuple(line.split("|")) for line in out.splitlines()] if out else []


def rollup_rows(h):
    if on_pg(h):
        rows = pg_rows(h, "SELECT resolution, s.name, s.labels, bucket, count, sum, min, max, last, last_ts, "
                          "upper(encode(sketch, 'hex')) FROM metrics_collector.metrics_rollup r JOIN "
                          "metrics_collector.series s ON s.id = r.series_id "
                          "ORDER BY resolution, s.name COLLATE \"C\", s.labels COLLATE \"C\", bucket")
        return [(int(r), n, l, int(b), int(c), float(s), float(mi), float(ma), float(la), int(lt), sk or None)
                for r, n, l, b, c, s, mi, ma, la, lt, sk in rows]
    c = db(h)
    try:
        return c.execute("SELECT resolution, s.name, s.labels, bucket, count, sum, min, max, last, last_ts, "
                         "hex(sketch) FROM metrics_rollup r JOIN series s ON s.id = r.series_id "
                         "ORDER BY resolution, s.name, s.labels, bucket").fetchall()
    finally:
        c.close()


def wait_aggregated(h, timeout=30):
    """Waits until a pass has completed and no dirty bucket is left (late points recomputed)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        health = http("GET", h.url(PLUGIN) + "/health").json()
        if health.get("last_aggregation"):
            if on_pg(h):
                dirty = int(pg_rows(h, "SELECT count(*) FROM metrics_collector.dirty_buckets")[0][0])
            else:
                c = db(h)
                try:
                    dirty = c.execute("SELECT COUNT(*) FROM dirty_buckets").fetchone()[0]
                finally:
                    c.close()
            if dirty == 0:
                time.sleep(1.5)  # the pass that removed the marks may still be folding hours
                return health
        time.sleep(0.2)
    raise AssertionError("aggregation did not complete:\n" + h.log()[-3000:])
