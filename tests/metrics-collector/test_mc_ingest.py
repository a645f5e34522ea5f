"""POST /api/metrics: both body forms, exact validation answers, acceptance window, auth, self-metrics."""
import pytest

from mc_helpers import PLUGIN, get, now_ms, point, post, start, wait_aggregated


@pytest.fixture
def mc(host_factory):
    return start(host_factory)


def test_bare_array_and_object_form_are_accepted(mc):
    r = post(mc, [point("lat", 0.1), point("lat", 0.2)])
    assert r.status == 202
    assert r.body == b'{"status":"accepted","count":2,"dropped":0}'
    assert r.headers["content-type"].startswith("application/json")
    r = post(mc, {"project": "shop", "metrics": [point("req", 1, typ="counter"),
                                                   point("req", 1, typ="counter", project="api")]})
    assert r.status == 202 and r.json() == {"status": "accepted", "count": 2, "dropped": 0}
    assert get(mc, "/api/projects").json() == {"projects": ["api", "shop"]}


def test_text_plain_body_is_parsed_as_json(mc):
    r = post(mc, '[{"name":"x","type":"gauge","value":3}]', headers={"Content-Type": "text/plain"})
    assert r.status == 202 and r.json()["count"] == 1


OK = {"name": "m", "type": "gauge", "value": 1}

VALIDATION = [
    ("", "Empty request body", None),
    ("[{]", "Invalid JSON", None),
    ('[{"name":"m","type":"gauge","value":1e400}]', "Invalid JSON", None),
    ('"metrics"', "Request body must be a JSON array or an object with a 'metrics' array", None),
    ("{}", "Missing required field: metrics", None),
    ({"metrics": None}, "Missing required field: metrics", None),
    ({"metrics": {"a": 1}}, "Field 'metrics' must be an array", None),
    ({"metrics": [OK], "project": ""}, "Field 'project' must be 1-100 characters", None),
    ([], "Metrics array must not be empty", None),
    ([OK] * 1001, "Metrics batch exceeds maximum of 1000 items", None),
    ([OK, 5], "Each metric must be a JSON object", 1),
    ([OK, {"type": "gauge", "value": 1}], "Missing required field: name", 1),
    ([OK, OK, {"name": "", "type": "gauge", "value": 1}], "Field 'name' must be 1-200 characters", 2),
    ([{"name": "a\u0007", "type": "gauge", "value": 1}], "Field 'name' must not contain control characters", 0),
    ([{"name": "a", "value": 1}], "Missing required field: type", 0),
    ([{"name": "a", "type": "summary", "value": 1}], "Field 'type' must be 'counter', 'histogram', or 'gauge'", 0),
    ([OK, OK, OK, {"name": "a", "type": "gauge"}], "Missing required field: value", 3),
    ([{"name": "a", "type": "gauge", "value": "1"}], "Field 'value' must be a finite number", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "labels": [1]}], "Field 'labels' must be an object", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "labels": {f"k{i}": i for i in range(33)}}],
     "Too many labels (max 32)", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "labels": {"": "x"}}], "Label key must be 1-100 characters", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "labels": {"k": None}}],
     "Label value must be a string, number or boolean", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "labels": {"k": "v" * 1001}}],
     "Label value exceeds 1000 characters", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "timestamp": "last tuesday"}],
     "Field 'timestamp' must be an RFC 3339 string or epoch number", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "timestamp": False}],
     "Field 'timestamp' must be an RFC 3339 string or epoch number", 0),
    ([{"name": "a", "type": "gauge", "value": 1, "project": 12}], "Field 'project' must be 1-100 characters", 0),
]


@pytest.mark.parametrize("body,detail,index", VALIDATION)
def test_validation_answers_exact_400_and_stores_nothing(mc, body, detail, index):
    r = post(mc, body)
    assert r.status == 400, r
    expected = {"detail": detail}
    if index is not None:
        expected["index"] = index
    assert r.json() == expected
    assert list(r.json().keys()) == list(expected.keys())
    names = get(mc, "/api/metrics/names").json()
    assert names == {"metrics": []}


def test_points_outside_the_window_are_dropped_not_rejected(mc):
    now = now_ms()
    r = post(mc, [point("w", 1, now - 3 * 3600 * 1000), point("w", 2, now + 3600 * 1000), point("w", 3, now)])
    assert r.status == 202
    assert r.json() == {"status": "accepted", "count": 1, "dropped": 2}
    text = get(mc, "/metrics").body.decode()
    assert 'monlight_dropped_items_total{plugin="metrics-collector",reason="metric_too_old"} 1' in text
    assert 'monlight_dropped_items_total{plugin="metrics-collector",reason="metric_in_future"} 1' in text
    assert "monlight_metric_points_total 1" in text


def test_timestamp_forms_land_in_the_same_minute(mc):
    base = (now_ms() // 60000) * 60000 - 60000
    iso = __import__("datetime").datetime.utcfromtimestamp(base / 1000).strftime("%Y-%m-%dT%H:%M:%S")
    r = post(mc, [point("t", 1, base // 1000, typ="counter"), point("t", 1, base + 5, typ="counter"),
                  point("t", 1, iso + ".250Z", typ="counter"), point("t", 1, iso + "+00:00", typ="counter"),
                  point("t", 1, str(base // 1000), typ="counter")])
    assert r.json()["count"] == 5
    wait_aggregated(mc)  # the previous minute is already behind the watermark: folded by the next pass
    data = get(mc, "/api/metrics?name=t&period=1h&resolution=minute").json()["data"]
    assert [(d["count"], d["sum"]) for d in data] == [(5, 5)]


def test_api_requires_the_key(mc):
    assert post(mc, [OK], key=False).status == 401
    assert post(mc, [OK], headers={"X-API-Key": "wrong"}).status == 401
    assert get(mc, "/api/metrics?name=x", key=False).json() == {"detail": "Invalid API key"}


def test_health_reports_received_and_last_aggregation(mc):
    from monlight_test import http
    h = http("GET", mc.url(PLUGIN) + "/health")
    assert h.status == 200
    body = h.json()
    assert list(body.keys()) == ["status", "service", "version", "metrics_received_24h", "last_aggregation"]
    assert body["service"] == "metrics-collector" and body["status"] == "ok"
