"""SPEC §11.4/§11.5: occurrence dedup by event_id and the event `fingerprint`, end to end through the relay.
These need the error tracker's support (branch `ingest`): run after both branches are merged."""
import hashlib
import json

import pytest

from sentry_helpers import FIXTURE_NUMBER, auth, envelope, error_detail, errors, post, start

PATH = f"/api/{FIXTURE_NUMBER}/envelope/"


@pytest.fixture
def host(host_factory, tmp_path):
    return start(host_factory, tmp_path)


def event(event_id, etype="ValueError", value="bad", fingerprint=None):
    ev = {"event_id": event_id, "platform": "python",
          "exception": {"values": [{"type": etype, "value": value, "stacktrace": {"frames": [
              {"filename": "a.py", "function": "f", "lineno": 1}]}}]}}
    if fingerprint is not None:
        ev["fingerprint"] = fingerprint
    return envelope({"event_id": event_id}, [({"type": "event"}, json.dumps(ev).encode())])


def test_a_retried_envelope_is_not_counted_twice(host):
    url = host.url("browser-relay")
    body = event("a" * 32)
    for _ in range(3):  # the SDK retries after a timeout: same event_id
        status, _, answer = post(url, PATH, body, auth())
        assert status == 200 and json.loads(answer) == {"id": "a" * 32}
    [g] = errors(host)
    assert g["count"] == 1
    assert len(error_detail(host, g["id"])["occurrences"]) == 1
    # another event id of the same error is a new occurrence
    assert post(url, PATH, event("b" * 32), auth())[0] == 200
    assert errors(host)[0]["count"] == 2


def test_fingerprint_groups_different_errors_together(host):
    url = host.url("browser-relay")
    assert post(url, PATH, event("c" * 32, "ValueError", "x", ["database-unavailable"]), auth())[0] == 200
    assert post(url, PATH, event("d" * 32, "KeyError", "y", ["database-unavailable"]), auth())[0] == 200
    [g] = errors(host)
    assert g["count"] == 2
    assert g["fingerprint"] == hashlib.md5(b"app:database-unavailable").hexdigest()


def test_default_part_of_a_fingerprint_splits_by_the_normal_key(host):
    url = host.url("browser-relay")
    assert post(url, PATH, event("e" * 32, "ValueError", "x", ["{{ default }}", "eu"]), auth())[0] == 200
    assert post(url, PATH, event("f" * 32, "KeyError", "y", ["{{ default }}", "eu"]), auth())[0] == 200
    assert post(url, PATH, event("1" * 32, "KeyError", "y", ["{{ default }}", "eu"]), auth())[0] == 200
    assert sorted(g["count"] for g in errors(host)) == [1, 2]


def test_fingerprint_parts_the_tracker_would_refuse_are_cut_or_left_out(host):
    """Sentry accepts any strings; the error tracker takes 1-16 non-empty parts of at most 1000 code points, so the
    relay leaves empty parts out and cuts long ones at a code point boundary instead of losing the event."""
    url = host.url("browser-relay")
    long_part = "é" * 1500
    assert post(url, PATH, event("2" * 32, "ValueError", "x", ["", long_part, "eu"]), auth())[0] == 200
    [g] = errors(host)
    assert g["fingerprint"] == hashlib.md5(("app:" + "é" * 1000 + "\x1feu").encode()).hexdigest()
