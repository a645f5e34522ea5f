"""Bounded cardinality and exact metric values (issue 13 items 8 and 14; SPEC §0.8, §4.2)."""
import sqlite3

from mc_helpers import PLUGIN, db, get, point, post, start


def test_metric_values_beyond_uint64_are_invalid_never_wrapped(host_factory):
    # Poco 1.11 read 2^64 as 0 and 2^64+1 as 1, so such a value was stored as a small number.
    mc = start(host_factory)
    for literal in ("18446744073709551616", "18446744073709551617", "-9223372036854775809"):
        r = post(mc, '[{"name":"big","type":"gauge","value":%s}]' % literal,
                 headers={"Content-Type": "application/json"})
        assert (r.status, r.json()) == (400, {"detail": "Invalid JSON"}), literal
    r = post(mc, '[{"name":"big","type":"gauge","value":18446744073709551615}]',
             headers={"Content-Type": "application/json"})
    assert r.status == 202 and r.json()["count"] == 1
    con = db(mc)
    try:
        assert [v for (v,) in con.execute("SELECT value FROM metrics_raw")] == [18446744073709551615.0]
    finally:
        con.close()
