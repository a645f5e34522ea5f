"""Black-box tests of the query route's time order, keyset paging (`before_id`, `before_ts`) and `host` filter."""
import json
import time
import urllib.parse

import pytest

from lvhelpers import FakeDocker


@pytest.fixture
def h(host_factory, tmp_path):
    docker = FakeDocker(tmp_path / "containers")
    return host_factory(plugins=["log-viewer"], config={
        "log-viewer.log_sources": str(docker.root), "log-viewer.rate_limit": "0"})


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000Z"


def post(h, entries):
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps(entries).encode(), {"Content-Type": "application/json"})
    assert r.status == 202, r


def get(h, **params):
    return h.request("log-viewer", "GET", "/api/logs?" + urllib.parse.urlencode(params))


def test_newest_first_by_time_and_keyset_pages(h):
    now = time.time()
    post(h, [{"message": f"new {i}", "source": "web", "timestamp": iso(now - 10)} for i in range(3)])
    post(h, [{"message": f"old {i}", "source": "worker", "timestamp": iso(now - 600 + i)} for i in range(3)])
    r = get(h, limit=2)
    assert r.status == 200, r
    body = r.json()
    assert [e["message"] for e in body["logs"]] == ["new 2", "new 1"]  # same time: newest id first
    assert body["total"] == 6
    seen = [e["message"] for e in body["logs"]]
    cursor = body["logs"][-1]
    # entries arriving between pages (newer) cannot shift the next page
    post(h, [{"message": "live", "source": "web", "timestamp": iso(now)}])
    while True:
        r = get(h, limit=2, before_id=cursor["id"], before_ts=cursor["timestamp"])
        assert r.status == 200, r
        page = r.json()["logs"]
        if not page:
            break
        seen += [e["message"] for e in page]
        cursor = page[-1]
    assert seen == ["new 2", "new 1", "new 0", "old 2", "old 1", "old 0"]
    # before_id alone looks the cursor's time up
    r = get(h, before_id=cursor["id"] + 0)
    assert r.status == 200 and r.json()["logs"] == []
    first_old = [e for e in get(h, limit=10).json()["logs"] if e["message"] == "old 2"][0]
    assert [e["message"] for e in get(h, before_id=first_old["id"]).json()["logs"]] == ["old 1", "old 0"]
    # the old offset paging still works, in the same order
    assert [e["message"] for e in get(h, limit=2, offset=2).json()["logs"]] == ["new 1", "new 0"]


@pytest.mark.parametrize("param,value", [("before_id", "0"), ("before_id", "x"), ("before_ts", "yesterday"),
                                         ("host", "x" * 300)])
def test_bad_keyset_or_host_parameters_are_400(h, param, value):
    r = get(h, **{param: value})
    assert r.status == 400, r
    assert param in r.json()["detail"]


def test_host_filter_matches_container_name_or_id_prefix(h):
    post(h, [{"message": "from billing", "source": "billing"}, {"message": "from web", "source": "web"}])
    r = get(h, host="billing")
    assert r.status == 200, r
    assert [e["message"] for e in r.json()["logs"]] == ["from billing"]
    assert r.json()["total"] == 1
    # an id prefix that matches no container id and no name: nothing
    assert get(h, host="0123456789ab").json()["logs"] == []
