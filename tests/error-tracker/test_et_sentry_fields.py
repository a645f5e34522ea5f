"""POST /api/errors fields for the Sentry ingest (SPEC §11.5): the optional `fingerprint` array and the
occurrence dedup by `extra.event_id`; and migration 2 applied to a database of migration 1."""
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from et_helpers import PY_TB, count_rows, report, sqlite_only
from monlight_test import http

DEFAULT_KEY = "myapp:ValueError:/app/app/utils/validation.py:56"  # §2.3 key of PY_TB (fp a2aa0390...)
FINGERPRINT_RULE = "Field 'fingerprint' must be an array of 1-16 non-empty strings of at most 1000 characters"
EVENT = "9ec79c33ec9942ab8353589fcb2e04dc"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


@pytest.fixture
def et(host_factory):
    return host_factory(plugins=["error-tracker"])


def post(h, body):
    return h.request("error-tracker", "POST", "/api/errors", body)


def detail(h, gid):
    return h.request("error-tracker", "GET", f"/api/errors/{gid}").json()


def test_fingerprint_array_groups_by_its_parts(et):
    a = post(et, report(fingerprint=["checkout-failed"]))
    assert a.status == 201 and a.json()["fingerprint"] == md5("myapp:checkout-failed")
    # another traceback, same parts: same group
    b = post(et, report(traceback="", message="other", fingerprint=["checkout-failed"]))
    assert b.status == 200 and b.json() == {"status": "incremented", "id": a.json()["id"],
                                           "fingerprint": md5("myapp:checkout-failed"), "count": 2}
    # parts are joined with \x1f: ["a","b"] is not ["a\x1fb"]... and not ["ab"]
    c = post(et, report(fingerprint=["a", "b"])).json()
    assert c["fingerprint"] == md5("myapp:a\x1fb")
    assert post(et, report(fingerprint=["ab"])).json()["fingerprint"] == md5("myapp:ab")
    # null is an absent field: the §2.3 fingerprint
    assert post(et, report(fingerprint=None)).json()["fingerprint"] == "a2aa039023e9e993384f51f3268f2861"


def test_fingerprint_default_placeholder(et):
    r = post(et, report(fingerprint=["{{ default }}", "tenant-7"])).json()
    assert r["fingerprint"] == md5("myapp:" + DEFAULT_KEY + "\x1f" + "tenant-7")
    same = post(et, report(fingerprint=["{{default}}", "tenant-7"])).json()
    assert same["fingerprint"] == r["fingerprint"] and same["status"] == "incremented"
    alone = post(et, report(fingerprint=["{{ default }}"])).json()
    assert alone["fingerprint"] == md5("myapp:" + DEFAULT_KEY)
    # the placeholder is a whole part only
    part = post(et, report(fingerprint=["x {{ default }}"])).json()
    assert part["fingerprint"] == md5("myapp:x {{ default }}")


@pytest.mark.parametrize("value", ["checkout", [], ["a"] * 17, [""], ["a", 1], ["a", None], [["a"]],
                                   ["é" * 1001], {"a": "b"}, 5, True])
def test_invalid_fingerprint_rejected(et, value):
    r = post(et, report(fingerprint=value))
    assert r.status == 400, r
    assert r.json() == {"detail": FINGERPRINT_RULE}
    assert count_rows(et, "errors") == 0 and count_rows(et, "error_occurrences") == 0


def test_fingerprint_limits_accepted(et):
    assert post(et, report(fingerprint=["p%d" % i for i in range(16)])).status == 201
    assert post(et, report(fingerprint=["é" * 1000])).status == 201


def test_event_id_dedup(et):
    a = post(et, report(extra={"event_id": EVENT, "k": 1}))
    assert a.status == 201
    gid = a.json()["id"]
    # the same event again (uuid form, uppercase): acknowledged, nothing stored
    dashed = "9EC79C33-EC99-42AB-8353-589FCB2E04DC"
    b = post(et, report(message="again", extra={"event_id": dashed}))
    assert b.status == 200 and b.json() == {"status": "incremented", "id": gid,
                                           "fingerprint": "a2aa039023e9e993384f51f3268f2861", "count": 1}
    d = detail(et, gid)
    assert d["count"] == 1 and len(d["occurrences"]) == 1 and d["occurrences"][0]["extra"]["k"] == 1
    assert d["last_seen"] == d["first_seen"]
    # another event of the group is stored
    c = post(et, report(extra={"event_id": "0" * 32}))
    assert c.status == 200 and c.json()["count"] == 2
    # the same event id in another group is another event
    other = post(et, report(exception_type="KeyError", extra={"event_id": EVENT}))
    assert other.status == 201
    # reports without an event id, or with one that is not 32 hex digits, are never deduplicated
    for extra in (None, {"event_id": "not-hex"}, {"event_id": EVENT[:31]}, {"event_id": 12345}, ["event_id"]):
        body = report() if extra is None else report(extra=extra)
        assert post(et, body).status == 200
        assert post(et, body).status == 200
    assert detail(et, gid)["count"] == 12


def test_event_id_dedup_outlives_trimmed_occurrence(host_factory):
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.max_occurrences": "1"})
    gid = post(h, report(extra={"event_id": EVENT})).json()["id"]
    assert post(h, report(extra={"event_id": "1" * 32})).json()["count"] == 2
    assert [o["extra"]["event_id"] for o in detail(h, gid)["occurrences"]] == ["1" * 32]  # the first one trimmed
    r = post(h, report(extra={"event_id": EVENT}))
    assert r.status == 200 and r.json()["count"] == 2
    assert detail(h, gid)["occurrences"][0]["extra"]["event_id"] == "1" * 32


def test_event_id_repeat_does_not_reopen(et):
    gid = post(et, report(extra={"event_id": EVENT})).json()["id"]
    assert et.request("error-tracker", "POST", f"/api/errors/{gid}/resolve").status == 200
    r = post(et, report(extra={"event_id": EVENT}))
    assert r.status == 200 and r.json()["status"] == "incremented" and r.json()["count"] == 1
    assert detail(et, gid)["resolved"] is True
    r = post(et, report(extra={"event_id": "2" * 32}))
    assert r.status == 201 and r.json()["status"] == "reopened" and r.json()["count"] == 2


@sqlite_only
def test_migration_from_schema_1(host_factory):
    """A database of migration 1 with data: the host migrates it, and the old groups keep working."""
    h = host_factory(plugins=["error-tracker"], start=False)
    h.data_dir.mkdir(parents=True, exist_ok=True)
    sql1 = (Path(__file__).resolve().parents[2] / "plugins/error-tracker/sql/001_initial.sql").read_text()
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    con.executescript("PRAGMA journal_mode=WAL;" + sql1 +
                      "CREATE TABLE _meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "INSERT INTO _meta VALUES('format','monlight-cpp'),('schema_version','1');")
    con.execute("INSERT INTO errors (fingerprint, project, environment, exception_type, message, traceback, count, "
                "first_seen, last_seen) VALUES ('a2aa039023e9e993384f51f3268f2861','myapp','prod','ValueError',"
                "'bad',?,4,1000,2000)", (PY_TB,))
    con.execute("INSERT INTO error_occurrences (error_id, timestamp, traceback, user_id) VALUES (1, 2000, 'tb', 'u0')")
    con.commit()
    con.close()
    h.start()
    r = post(h, report(extra={"event_id": EVENT}))
    assert r.status == 200 and r.json() == {"status": "incremented", "id": 1,
                                           "fingerprint": "a2aa039023e9e993384f51f3268f2861", "count": 5}
    assert post(h, report(extra={"event_id": EVENT})).json()["count"] == 5
    d = detail(h, 1)
    assert [o["user_id"] for o in d["occurrences"]] == [None, "u0"]
    # The new occurrence shares its group's traceback (migrations 4, 5), the old one keeps its own copy.
    assert [o["traceback"] for o in d["occurrences"]] == [PY_TB, "tb"]
    assert d["first_seen"] == "1970-01-01T00:00:01.000Z"
    found = h.request("error-tracker", "GET", "/api/errors?search=validation").json()
    assert [e["id"] for e in found["errors"]] == [1]  # indexed under migration 1
    new = post(h, report(exception_type="ZetaError", message="zeta unique words")).json()
    found = h.request("error-tracker", "GET", "/api/errors?search=zeta").json()
    assert [e["id"] for e in found["errors"]] == [new["id"]]  # indexed by the store since migration 2
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    shipped = len(list((Path(__file__).resolve().parents[2] / "plugins/error-tracker/sql").glob("[0-9]*.sql")))
    assert con.execute("SELECT value FROM _meta WHERE key='schema_version'").fetchone()[0] == str(shipped)
    rows = con.execute("SELECT traceback_prefix, traceback_suffix, traceback FROM error_occurrences ORDER BY id")
    assert rows.fetchall() == [(0, 0, "tb"), (len(PY_TB), 0, ""), (len(PY_TB), 0, "")]
    con.close()  # the old one, the first post, ZetaError's first


@sqlite_only
def test_migration_from_schema_4_keeps_shared_tracebacks(host_factory):
    """Occurrences of migration 4 that shared their group's traceback (traceback_shared = 1, traceback '') read the
    same after migration 5, and a new occurrence with another last line stores that line only."""
    h = host_factory(plugins=["error-tracker"], start=False)
    h.data_dir.mkdir(parents=True, exist_ok=True)
    sql = Path(__file__).resolve().parents[2] / "plugins/error-tracker/sql"
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    con.executescript("PRAGMA journal_mode=WAL;" + "".join((sql / f).read_text() for f in sorted(
        p.name for p in sql.glob("00[1-4]_*.sql"))) +
        "CREATE TABLE _meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO _meta VALUES('format','monlight-cpp'),('schema_version','4');")
    con.execute("INSERT INTO errors (fingerprint, project, environment, exception_type, message, traceback, count, "
                "first_seen, last_seen) VALUES ('a2aa039023e9e993384f51f3268f2861','myapp','prod','ValueError',"
                "'bad',?,3,1000,2000)", (PY_TB + " é",))
    con.executemany("INSERT INTO error_occurrences (error_id, timestamp, traceback, traceback_shared) "
                    "VALUES (1, ?, ?, ?)", [(1000, "", 1), (1500, "own", 0), (2000, "", 1)])
    con.commit()
    con.close()
    h.start()
    assert [o["traceback"] for o in detail(h, 1)["occurrences"]] == [PY_TB + " é", "own", PY_TB + " é"]
    r = post(h, report(message="bad"))  # same group: its traceback lacks the group's last two characters
    assert r.status == 200 and r.json()["id"] == 1
    assert [o["traceback"] for o in detail(h, 1)["occurrences"]] == [PY_TB, PY_TB + " é", "own",
                                                                     PY_TB + " é"]
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    cols = [c[1] for c in con.execute("PRAGMA table_info(error_occurrences)")]
    assert "traceback_shared" not in cols
    assert con.execute("SELECT traceback_prefix, traceback_suffix, traceback FROM error_occurrences "
                       "ORDER BY id").fetchall() == [(len(PY_TB) + 2, 0, ""), (0, 0, "own"),
                                                     (len(PY_TB) + 2, 0, ""), (len(PY_TB), 0, "")]
    con.close()
