"""Health on every listener, the combined listener (SPEC §0.1, §0.13) and /metrics (§0.14)."""
import re
import socket
import time

import pytest

from hostnet import read_response
from monlight_test import SERVICE_PLUGINS, http, VERSION

P = "fixture-good"


@pytest.fixture
def all_plugins(host_factory, tmp_path):
    logs = tmp_path / "containers"
    logs.mkdir()
    return host_factory(plugins=SERVICE_PLUGINS, combined=True,
                        config={"log-viewer.log_sources": str(logs)})


def test_health_on_every_listener(all_plugins):
    h = all_plugins
    r = h.request("error-tracker", "GET", "/health", key=False)
    assert r.status == 200
    assert r.body == b'{"status":"ok","service":"error-tracker","version":"' + VERSION.encode() + b'"}'

    r = h.request("log-viewer", "GET", "/health", key=False)
    assert r.status == 200
    b = r.json()
    assert list(b) == ["status", "service", "version", "logs_indexed", "containers_watched", "newest_log",
                       "last_ingest"]
    assert b["status"] == "ok" and b["service"] == "log-viewer" and b["version"] == VERSION
    assert b["logs_indexed"] == 0 and b["containers_watched"] == 0

    r = h.request("metrics-collector", "GET", "/health", key=False)
    assert r.status == 200
    b = r.json()
    assert list(b) == ["status", "service", "version", "metrics_received_24h", "last_aggregation"]
    assert b["status"] == "ok" and b["service"] == "metrics-collector" and b["metrics_received_24h"] == 0

    r = h.request("browser-relay", "GET", "/health", key=False)
    assert r.status == 200
    assert r.body == (b'{"status":"ok","service":"browser-relay","version":"' + VERSION.encode() + b'",'
                      b'"forwarding":{"error-tracker":"in-process","metrics-collector":"in-process"}}')

    r = http("GET", h.url() + "/health")
    assert r.status == 200
    assert r.body == (b'{"status":"ok","service":"monlight-host","version":"' + VERSION.encode() + b'","plugins":{"error-tracker":"ok",'
                      b'"log-viewer":"ok","metrics-collector":"ok","browser-relay":"ok"}}')
    for p in SERVICE_PLUGINS:
        r = http("HEAD", h.url(p) + "/health")
        assert r.status == 200 and r.body == b""
        # The same plugin health under its prefix on the combined listener.
        via = http("GET", f"{h.url()}/{p}/health")
        own = http("GET", h.url(p) + "/health")
        assert via.status == own.status == 200
        assert list(via.json()) == list(own.json()) and via.json()["service"] == p


def test_combined_prefixes_match_own_listener(all_plugins):
    h = all_plugins
    for p in SERVICE_PLUGINS:
        own = h.request(p, "GET", "/api/does-not-exist", key=False)
        via = http("GET", f"{h.url()}/{p}/api/does-not-exist")
        assert (own.status, own.body) == (via.status, via.body) == (404, b'{"detail":"Not found"}')
    # Auth is the plugin's: its key works under the prefix, no key or another plugin's key does not.
    et = h.key("error-tracker")
    a = http("GET", h.url() + "/error-tracker/api/errors", headers={"X-API-Key": et})
    b = h.request("error-tracker", "GET", "/api/errors")
    assert a.status == b.status == 200 and a.body == b.body
    assert http("GET", h.url() + "/error-tracker/api/errors").status == 401
    r = http("GET", h.url() + "/error-tracker/api/errors", headers={"X-API-Key": h.key("log-viewer")})
    assert r.status == 401 and r.body == b'{"detail":"Invalid API key"}'
    r = http("DELETE", h.url() + "/error-tracker/api/errors", headers={"X-API-Key": et})
    assert r.status == 405 and r.headers["allow"] == h.request("error-tracker", "DELETE", "/api/errors").headers["allow"]


def test_combined_redirect_index_and_unknown(all_plugins):
    h = all_plugins
    r = http("GET", h.url() + "/error-tracker")
    assert r.status == 308 and r.headers["location"] == "/error-tracker/"
    r = http("GET", h.url() + "/metrics-collector?x=1&y=%20z")
    assert r.status == 308 and r.headers["location"] == "/metrics-collector/?x=1&y=%20z"
    r = http("GET", h.url() + "/")
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    html = r.body.decode()
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs == [p + "/" for p in SERVICE_PLUGINS]
    assert r.headers["x-frame-options"] == "DENY"
    for path in ("/nope", "/common/health", "/error-trackerx/health", "/api/errors", "/host/health"):
        r = http("GET", h.url() + path)
        assert r.status == 404 and r.body == b'{"detail":"Not found"}', path
    assert r.headers["x-request-id"]


def test_combined_only_plugin_without_own_listener(fixture_host):
    h = fixture_host(combined=True, listen=False)
    key = h.key(P)
    r = http("GET", h.url() + "/fixture-good/api/hello", headers={"X-API-Key": key})
    assert r.status == 200 and r.json() == {"hello": "world", "answer": 42}
    r = http("GET", h.url() + "/fixture-good/health")
    assert r.body == b'{"status":"ok","service":"fixture-good","version":"' + VERSION.encode() + b'"}'
    r = http("GET", h.url() + "/health")
    assert r.body == b'{"status":"ok","service":"monlight-host","version":"' + VERSION.encode() + b'","plugins":{"fixture-good":"ok"}}'
    # Error handling is the same under the prefix: 500 with reference, 413, 405.
    r = http("GET", h.url() + "/fixture-good/api/throw-std", headers={"X-API-Key": key, "X-Request-Id": "ref-9"})
    assert r.status == 500 and r.body == b'{"detail":"Internal server error","reference":"ref-9"}'
    r = http("POST", h.url() + "/fixture-good/api/items", body=b"x" * 5000, headers={"X-API-Key": key})
    assert r.status == 413
    r = http("POST", h.url() + "/fixture-good/api/hello", headers={"X-API-Key": key})
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"
    r = http("POST", h.url() + "/fixture-good/api/items", body={"text": "via prefix"}, headers={"X-API-Key": key})
    assert r.status == 201
    r = http("GET", h.url() + f"/fixture-good/api/items/{r.json()['id']}", headers={"X-API-Key": key})
    assert r.json() == {"text": "via prefix"}


def _families(text):
    return set(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))


def test_metrics_key_mode(fixture_host):
    h = fixture_host(combined=True, config={"host.metrics_api_key": "metrics-scraper-key-0001"})
    assert h.request(P, "GET", "/api/hello").status == 200
    r = h.request(P, "GET", "/metrics", key=False)
    assert r.status == 401 and r.body == b'{"detail":"Invalid API key"}'
    r = h.request(P, "GET", "/metrics")  # X-API-Key
    assert r.status == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = r.body.decode()
    fams = _families(text)
    assert ("monlight_http_requests_total", "counter") in fams
    assert ("monlight_http_request_duration_seconds", "histogram") in fams
    assert ("monlight_build_info", "gauge") in fams
    assert "# HELP monlight_http_requests_total " in text
    assert re.search(r'^monlight_http_requests_total\{plugin="fixture-good",route="/api/hello",method="GET",'
                     r'status="200"\} 1$', text, re.M), text
    assert re.search(r'^monlight_http_request_duration_seconds_bucket\{plugin="fixture-good",route="/api/hello",'
                     r'le="\+Inf"\} 1$', text, re.M)
    assert re.search(r'^monlight_build_info\{version="' + re.escape(VERSION) + r'",abi="\d+"\} 1$', text, re.M)
    assert re.search(r'^monlight_auth_failures_total\{plugin="fixture-good",kind="api_key"\} 1$', text, re.M)
    for line in text.splitlines():
        assert line.startswith("#") or re.match(r'^[a-z_]+(\{[^}]*\})? \S+$', line), line
    r = h.request(P, "GET", "/metrics", headers={"Authorization": "Bearer " + h.key(P)}, key=False)
    assert r.status == 200 and "monlight_http_requests_total" in r.body.decode()
    r = h.request(P, "GET", "/metrics", headers={"X-API-Key": "metrics-scraper-key-0001"}, key=False)
    assert r.status == 200
    r = h.request(P, "GET", "/metrics", headers={"Authorization": "Bearer wrong-wrong-wrong"}, key=False)
    assert r.status == 401
    # Combined listener: any plugin key or the metrics key.
    assert http("GET", h.url() + "/metrics").status == 401
    r = http("GET", h.url() + "/metrics", headers={"X-API-Key": h.key(P)})
    assert r.status == 200 and 'plugin="fixture-good"' in r.body.decode()
    assert http("GET", h.url() + "/metrics", headers={"Authorization": "Bearer metrics-scraper-key-0001"}).status == 200


def test_metrics_public(fixture_host):
    h = fixture_host(config={"host.self_metrics": "public"})
    r = h.request(P, "GET", "/metrics", key=False)
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE monlight_build_info gauge" in r.body.decode()


def test_metrics_off(fixture_host):
    h = fixture_host(config={"host.self_metrics": "off"}, combined=True)
    r = h.request(P, "GET", "/metrics")
    assert r.status == 404 and r.body == b'{"detail":"Not found"}'
    assert http("GET", h.url() + "/metrics", headers={"X-API-Key": h.key(P)}).status == 404


def test_metrics_failed_key_counts_for_guard(fixture_host):
    h = fixture_host(config={"host.auth_failure_limit": "2"})
    assert h.request(P, "GET", "/metrics", key=False).status == 401
    assert h.request(P, "GET", "/metrics", key=False).status == 401
    r = h.request(P, "GET", "/metrics")
    assert r.status == 429 and r.json()["detail"] == "Too many failed authentication attempts"


def test_metrics_inflight_gauge(fixture_host):
    import threading
    import time
    h = fixture_host(config={"host.self_metrics": "public"})

    def inflight():
        text = h.request(P, "GET", "/metrics", key=False).body.decode()
        m = re.search(r'^monlight_http_inflight_requests\{plugin="fixture-good"\} (\d+)$', text, re.M)
        assert m, text
        return int(m.group(1))

    assert "# TYPE monlight_http_inflight_requests gauge" in h.request(P, "GET", "/metrics", key=False).body.decode()
    assert inflight() == 1  # the scrape itself
    t = threading.Thread(target=lambda: h.request(P, "GET", "/api/slow?ms=1500", timeout=15))
    t.start()
    time.sleep(0.5)
    assert inflight() == 2
    t.join(15)
    assert inflight() == 1


def test_metrics_inflight_gauge_combined_only_plugin(fixture_host):
    h = fixture_host(combined=True, listen=False, config={"host.self_metrics": "public"})
    text = http("GET", h.url() + "/metrics").body.decode()
    assert len(re.findall(r'^monlight_http_inflight_requests\{plugin="fixture-good"\} \d+$', text, re.M)) == 1


def test_metrics_keys_per_listener_with_real_plugins(all_plugins):
    h = all_plugins
    for p in SERVICE_PLUGINS:
        assert h.request(p, "GET", "/health", key=False).status == 200
    r = h.request("browser-relay", "GET", "/metrics")  # the admin key
    assert r.status == 200
    r = h.request("browser-relay", "GET", "/metrics", headers={"X-API-Key": h.key("error-tracker")}, key=False)
    assert r.status == 401
    r = h.request("error-tracker", "GET", "/metrics")
    assert r.status == 200
    text = r.body.decode()
    assert 'plugin="error-tracker"' in text
    assert 'plugin="log-viewer"' not in text and 'plugin="browser-relay"' not in text
    # database families of §0.14 plus the read-connection gauge
    for fam in ("monlight_write_queue_depth", "monlight_write_batches_total", "monlight_db_size_bytes",
                "monlight_db_reader_connections"):
        assert re.search(rf'^{fam}\{{plugin="error-tracker"[^}}]*\}} \d+', text, re.M), fam
    for p in SERVICE_PLUGINS:
        r = http("GET", h.url() + "/metrics", headers={"Authorization": "Bearer " + h.key(p)})
        assert r.status == 200, p
    text = r.body.decode()
    for p in SERVICE_PLUGINS:
        assert f'monlight_http_requests_total{{plugin="{p}",route="/health",method="GET",status="200"}}' in text, p


def test_idle_keep_alive_clients_cannot_lock_out_new_ones(host_factory):
    """A worker stays with a keep-alive connection while its client is idle (Poco 1.11). Two idle keep-alive clients
    hold both workers; a third client then waits in the queue, and the watchdog shuts the idle connections down
    after 200 ms, so it is served long before the 15 s keep-alive timeout. Without a waiting client nobody is cut."""
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.max_threads": "2"})
    port = h.ports["error-tracker"]
    req = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    idle = []
    try:
        for _ in range(2):
            # The host's own start-up probe may still hold a worker for a moment on a loaded machine (then the
            # answer is rightly `close`): retry until the client gets a keep-alive answer.
            deadline = time.time() + 10
            while True:
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
                c.sendall(req)
                status, headers, _, closed = read_response(c)
                if status == 200 and not closed and headers.get("connection", "").lower() == "keep-alive":
                    break
                c.close()
                assert time.time() < deadline, (status, headers, closed)
                time.sleep(0.2)
            idle.append(c)
        time.sleep(0.5)  # both idle beyond 200 ms, but nobody waits: both stay usable
        for c in idle:
            c.sendall(req)
            status, headers, _, closed = read_response(c)
            assert status == 200 and not closed
        started = time.time()
        r = http("GET", h.url("error-tracker") + "/health")
        assert r.status == 200
        assert time.time() - started < 5  # not the 15 s keep-alive timeout of the idle clients
        ended = 0
        for c in idle:
            c.settimeout(5)
            try:
                ended += c.recv(1) == b""
            except ConnectionResetError:
                ended += 1
        assert ended >= 1
        metrics = http("GET", h.url("error-tracker") + "/metrics",
                       headers={"X-API-Key": h.key("error-tracker")}).body.decode()
        yields = [line for line in metrics.splitlines()
                  if line.startswith('monlight_http_idle_yields_total{listener="error-tracker"}')]
        assert yields and float(yields[0].split()[-1]) >= 1, yields
    finally:
        for c in idle:
            c.close()
