"""Helpers shared by the error-tracker tests: a valid report body and a row count of the store."""
import os
import sqlite3

import pytest

# The test is about the SQLite store (reads or writes errors.db itself) or a host without libpq: not run when the
# suite runs on PostgreSQL (MONLIGHT_TEST_STORAGE=postgresql).
sqlite_only = pytest.mark.skipif(os.environ.get("MONLIGHT_TEST_STORAGE") == "postgresql",
                                 reason="SQLite store only")

PY_TB = ('Traceback (most recent call last):\n  File "/app/app/main.py", line 10, in handler\n    validate(x)\n'
         '  File "/app/app/utils/validation.py", line 56, in validate\n    raise ValueError("bad")\nValueError: bad')


def report(**kw):
    """A valid POST /api/errors body for PY_TB; `kw` adds or replaces fields."""
    body = {"project": "myapp", "exception_type": "ValueError", "message": "bad", "traceback": PY_TB}
    body.update(kw)
    return body


def count_rows(h, table="errors"):
    """The number of rows in `table` of the host's store (errors.db, or the schema error_tracker), read directly."""
    if getattr(h, "pg", None):
        server, dbname = h.pg
        return int(server.psql(f"SELECT count(*) FROM error_tracker.{table}", dbname))
    con = sqlite3.connect(str(h.data_dir / "errors.db"))
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()
