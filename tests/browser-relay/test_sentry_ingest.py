"""SPEC §11: Sentry-protocol ingest on the browser relay: recorded SDK bodies replayed byte for byte, DSNs,
auth forms, CORS, encodings and the answer."""
import json
import re

import pytest

from sentry_helpers import (FIXTURE_KEY, FIXTURE_NUMBER, FIXTURES, auth, encode, envelope, error_detail, errors,
                            index, logs, post, relay_metric, replay, start, wait_for)


@pytest.fixture
def host(host_factory, tmp_path):
    return start(host_factory, tmp_path)


def test_every_fixture_is_accepted_and_lands_where_a_user_looks(host):
    entries = index()
    assert len(entries) == 31
    for e in entries:
        status, headers, body = replay(host, e)
        assert status == 200, (e["file"], status, body)
        assert headers["content-type"].startswith("application/json")
        answer = json.loads(body)
        raw = (FIXTURES / e["file"]).read_text()
        first = json.loads(raw.split("\n", 1)[0])
        if e["file"].endswith(".json"):
            first = json.loads(raw)
        if "event_id" in first:
            assert answer == {"id": first["event_id"].replace("-", "")}, e["file"]
        else:
            assert answer == {}, e["file"]
        if "Origin" in e["headers"]:  # browsers: CORS on the answer, rate-limit headers readable
            assert headers["access-control-allow-origin"] == e["headers"]["Origin"]
            assert "X-Sentry-Rate-Limits" in headers["access-control-expose-headers"]

    groups = {(g["exception_type"], g["message"]): g for g in errors(host)}
    # sentry-python 2.x: a ZeroDivisionError with a Python traceback, and a message event
    zde = error_detail(host, groups[("ZeroDivisionError", "division by zero")]["id"])
    assert zde["project"] == "app" and zde["environment"] == "test" and zde["source"] == "server"
    assert zde["traceback"].startswith("Traceback (most recent call last):\n  File \"/srv/capture/py_client.py\"")
    assert zde["traceback"].endswith("ZeroDivisionError: division by zero")
    assert "    return 1 / x\n" in zde["traceback"]
    occ = zde["occurrences"][0]
    assert occ["extra"]["tags"]["tenant"] == "acme"
    assert occ["extra"]["release"] == "app@1.2.3" and occ["extra"]["platform"] == "python"
    assert re.fullmatch(r"[0-9a-f]{32}", occ["extra"]["event_id"])
    assert occ["extra"]["sdk"]["name"] == "sentry.python.flask" or occ["extra"]["sdk"]["name"].startswith("sentry.python")
    assert any(t == "Message" for t, _ in groups)
    # @sentry/browser: TypeError with a JavaScript stack, newest frame first, from the browser
    ty = [g for (t, m), g in groups.items() if t == "TypeError" and m.startswith("boom")]
    assert ty, groups.keys()
    d = error_detail(host, ty[0]["id"])
    assert d["source"] == "browser"
    lines = d["traceback"].split("\n")
    assert lines[0].startswith("TypeError: boom")
    assert lines[1].startswith("    at thrower (http://127.0.0.1:18234/bundle.js:31431:15)")
    assert d["occurrences"][0]["request_url"] == "http://127.0.0.1:18234/index.html"
    # @sentry/node: RangeError
    rng = error_detail(host, groups[("RangeError", "bad range 7")]["id"])
    assert rng["traceback"].startswith("RangeError: bad range 7\n    at f (/srv/jsn/n.mjs:4:")
    assert rng["environment"] == "test"
    # sentry-python 1.9 /store/
    assert relay_metric(host, "monlight_sentry_items_total", type="event", outcome="accepted") == 8

    # logs: one entry per record, attributes and trace id kept, source = the DSN project
    entries = logs(host)
    bob = [x for x in entries if x["message"] == "User bob logged in"]
    assert len(bob) == 1, [x["message"] for x in entries]
    assert bob[0]["container"] == "app" and bob[0]["level"] == "INFO"
    assert bob[0]["trace_id"] == "67c4ec63dcb54543a882797aa76ede07"
    attrs = bob[0]["attributes"]
    assert attrs["k"] == 1 and attrs["environment"] == "test" and attrs["release"] == "app@1.2.3"
    assert not any(k.startswith("sentry.") for k in attrs)
    assert relay_metric(host, "monlight_sentry_items_total", type="log", outcome="accepted") == 4
    # metrics, sessions, check-ins, client reports counted
    assert relay_metric(host, "monlight_sentry_items_total", type="trace_metric", outcome="accepted") == 4
    assert relay_metric(host, "monlight_sentry_items_total", type="session", outcome="counted") >= 4
    assert relay_metric(host, "monlight_sentry_items_total", type="check_in", outcome="counted") == 3
    assert http_ok(host)


def http_ok(h):
    return h.request("browser-relay", "GET", "/health", key=False).status == 200
