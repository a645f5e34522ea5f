"""Operational details: Expect: 100-continue (§0.7), unread bodies, HEAD on the combined listener, shutdown on
keep-alive connections (§0.17), logging (§0.16), trusted proxies (§0.3), config file features (§1.1, §1.2)."""
import http.client as httpclient
import json
import os
import re
import shutil
import signal
import socket
import threading
import time

import pytest

from hostnet import jbody, raw_exchange, read_response
from monlight_test import build_dir, free_port, http, plugin_dir, run_host

P = "fixture-good"


def test_expect_continue_deferred_until_checks_pass(fixture_host):
    h = fixture_host()
    port, key = h.ports[P], h.key(P)
    # Over the cap: 413 instead of 100 Continue.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"POST /api/items HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Length: 5000\r\n"
              "Expect: 100-continue\r\n\r\n".encode())
    status, headers, body, closed = read_response(s)
    s.close()
    assert status == 413 and jbody(body)["detail"] == "Request body exceeds maximum size" and closed
    # Wrong key: 401 instead of 100 Continue.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nExpect: 100-continue\r\n\r\n")
    status, _, body, _ = read_response(s)
    s.close()
    assert status == 401
    # Accepted: 100 Continue, then the answer once the body is sent.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    b = b'{"text":"continued"}'
    s.sendall(f"POST /api/items HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Length: {len(b)}\r\n"
              "Expect: 100-continue\r\n\r\n".encode())
    first = b""
    while b"\r\n\r\n" not in first:
        first += s.recv(1)
    assert first.startswith(b"HTTP/1.1 100")
    s.sendall(b)
    status, _, body, _ = read_response(s)
    s.close()
    assert status == 201
    assert h.request(P, "GET", f"/api/items/{jbody(body)['id']}").json() == {"text": "continued"}


def test_unread_bodies_are_never_parsed_as_a_request(fixture_host):
    h = fixture_host()
    port, key = h.ports[P], h.key(P)
    smuggled = f"GET /api/throw-std HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\n\r\n".encode()
    chunked = f"{len(smuggled):x}\r\n".encode() + smuggled + b"\r\n0\r\n\r\n"
    cases = [
        (b"POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled, 404),
        (b"POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled, 401),
        (b"POST /api/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked, 401),
        (b"POST /api/hello HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled, 405),
    ]
    for data, expect in cases:
        status, headers, _, closed = raw_exchange(port, data)
        assert status == expect
    assert "throw-std" not in h.log()


def test_head_on_combined_listener(fixture_host):
    h = fixture_host(combined=True)
    status, headers, body, _ = raw_exchange(h.combined_port, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and body == b"" and headers["content-type"].startswith("text/html")
    status, headers, body, _ = raw_exchange(h.combined_port, b"HEAD /fixture-good?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 308 and headers["location"] == "/fixture-good/?x=1" and body == b""
    status, headers, body, _ = raw_exchange(h.combined_port, b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and body == b""
    r = http("POST", h.url() + "/", body=b"")
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"


def test_keep_alive_connection_gets_503_while_shutting_down(fixture_host):
    h = fixture_host()
    conn = httpclient.HTTPConnection("127.0.0.1", h.ports[P], timeout=10)
    conn.request("GET", "/health")
    r = conn.getresponse()
    r.read()
    assert r.status == 200
    result = {}
    t = threading.Thread(target=lambda: result.update(r=h.request(P, "GET", "/api/slow?ms=2000", timeout=15)))
    t.start()
    time.sleep(0.4)
    h.proc.send_signal(signal.SIGTERM)
    time.sleep(0.4)
    conn.request("GET", "/health")
    r = conn.getresponse()
    body = r.read()
    conn.close()
    assert r.status == 503
    assert body == b'{"detail":"Shutting down"}'
    assert (r.getheader("Connection") or "").lower() == "close"
    t.join(15)
    assert result["r"].status == 200
    h.proc.wait(15)
    assert h.proc.returncode == 0


def test_second_signal_skips_waits(fixture_host):
    h = fixture_host(config={"host.shutdown_grace_seconds": "9"})
    t = threading.Thread(target=lambda: _swallow(lambda: h.request(P, "GET", "/api/slow?ms=5000", timeout=15)))
    t.start()
    time.sleep(0.4)
    t0 = time.monotonic()
    h.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    h.proc.send_signal(signal.SIGTERM)
    h.proc.wait(15)
    assert h.proc.returncode == 0
    assert time.monotonic() - t0 < 10
    assert "second signal" in h.log()
    t.join(15)


def _swallow(fn):
    try:
        fn()
    except OSError:
        pass


def log_line_with(h, text, timeout=10):
    """The access log line is written after the answer is sent: wait for it rather than read once."""
    deadline = time.time() + timeout
    while True:
        lines = [l for l in h.log().splitlines() if text in l]
        if lines or time.time() > deadline:
            assert lines, f"no log line with {text!r}:\n{h.log()[-3000:]}"
            return lines[0]
        time.sleep(0.05)


def test_access_log_and_trusted_proxy(fixture_host):
    h = fixture_host(config={"host.access_log": "true", "host.trusted_proxies": "127.0.0.1/32",
                             "host.auth_failure_limit": "2"})
    key = h.key(P)
    r = h.request(P, "GET", "/api/hello?api_key=SECRET-IN-QUERY", headers={"X-Request-Id": "acc-1"})
    assert r.status == 200
    line = log_line_with(h, "rid=acc-1")
    log = h.log()
    assert line.endswith('127.0.0.1 "GET /api/hello" 200 29 ' + line.split()[-2] + " rid=acc-1")
    assert "SECRET-IN-QUERY" not in log and key not in log
    # X-Forwarded-For from a trusted proxy: the guard counts per forwarded client.
    for _ in range(2):
        assert h.request(P, "GET", "/api/hello", headers={"X-Forwarded-For": "203.0.113.5"}, key=False).status == 401
    assert h.request(P, "GET", "/api/hello", headers={"X-Forwarded-For": "203.0.113.5"}).status == 429
    assert h.request(P, "GET", "/api/hello", headers={"X-Forwarded-For": "203.0.113.6"}).status == 200
    assert h.request(P, "GET", "/api/hello").status == 200
    assert log_line_with(h, '203.0.113.5 "GET /api/hello" 429')


def test_untrusted_peer_xff_ignored(fixture_host):
    h = fixture_host(config={"host.auth_failure_limit": "2"})
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert h.request(P, "GET", "/api/hello", headers={"X-Forwarded-For": ip}, key=False).status == 401
    assert h.request(P, "GET", "/api/hello", headers={"X-Forwarded-For": "198.51.100.3"}).status == 429


def test_json_log_format_and_level(fixture_host):
    h = fixture_host(config={"host.log_format": "json", "host.log_level": "warning"})
    assert h.request(P, "GET", "/api/throw-std", headers={"X-Request-Id": "json-1"}).status == 500
    assert h.stop() == 0
    lines = [l for l in h.log().splitlines() if l.startswith("{")]
    assert lines, h.log()
    records = [json.loads(l) for l in lines]
    for rec in records:
        assert list(rec) == ["ts", "level", "logger", "msg"]
        assert rec["level"] in ("error", "warning")
    err = next(r for r in records if "json-1" in r["msg"])
    assert err["level"] == "error" and err["logger"] == "fixture-good"
    assert "listening on" not in h.log()


def test_text_log_line_format(fixture_host):
    h = fixture_host()
    line = next(l for l in h.log().splitlines() if "listening on" in l)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  fixture-good: listening on 127\.0\.0\.1:\d+",
                        line), line


def test_data_dir_created_0750(fixture_host):
    h = fixture_host()
    assert (os.stat(h.data_dir).st_mode & 0o777) == 0o750


def test_env_reference_in_file(fixture_host):
    key = "from-env-reference-0123456789"
    h = fixture_host(start=False, config={"fixture-good.api_key": "${system.env.MY_FIXTURE_KEY}"},
                     env={"MY_FIXTURE_KEY": key})
    h.keys[P] = key
    h.start()
    assert h.request(P, "GET", "/api/hello").status == 200
    h.stop()
    r = run_host(["--config", str(h.config_path), "--check-config"], env={"MY_FIXTURE_KEY": ""})
    assert r.returncode == 78
    assert "fixture-good.api_key" in r.stderr


def test_unresolved_reference_78(fixture_host):
    h = fixture_host(start=False, config={"fixture-good.api_key": "${system.env.SURELY_NOT_SET_ANYWHERE}"})
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 78
    lines = [l for l in r.stderr.splitlines() if l.startswith("monlight-host: config error: ")]
    assert len(lines) == 1 and lines[0].startswith("monlight-host: config error: fixture-good.api_key: ")


def test_unknown_monlight_env_warns(fixture_host):
    h = fixture_host(env={"MONLIGHT_NOT_A_KEY": "1"})
    assert h.request(P, "GET", "/health", key=False).status == 200
    assert "MONLIGHT_NOT_A_KEY" in h.log()


def test_environment_only_configuration(tmp_path):
    port = free_port()
    env = {"MONLIGHT_HOST_PLUGINS": "fixture-good",
           "MONLIGHT_HOST_PLUGIN_PATH": f"{build_dir() / 'testsuite-plugins'}:{plugin_dir()}",
           "MONLIGHT_HOST_DATA_DIR": str(tmp_path / "data"),
           "MONLIGHT_FIXTURE_GOOD_API_KEY": "env-only-key-0123456789",
           "MONLIGHT_FIXTURE_GOOD_LISTEN": f"127.0.0.1:{port}"}
    # No --config and no file at the default path: built-in defaults plus environment.
    if os.path.exists("/etc/monlight/monlight.properties"):
        pytest.skip("a default config file exists on this machine")
    r = run_host(["--check-config"], env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"config ok: plugins=common,fixture-good listeners=fixture-good@127.0.0.1:{port}\n"


def test_relative_plugin_path_resolved_against_config_dir(tmp_path):
    rel = tmp_path / "rel-plugins"
    shutil.copytree(build_dir() / "testsuite-plugins", rel)
    shutil.copy(plugin_dir() / "common.so", rel)
    sub = tmp_path / "conf"
    sub.mkdir()
    cfg = sub / "m.properties"
    cfg.write_text("host.plugins = fixture-good\nhost.plugin_path = ../rel-plugins\n"
                   f"host.data_dir = {tmp_path / 'data'}\nfixture-good.api_key = rel-key-0123456789\n"
                   "fixture-good.listen = 127.0.0.1:5999\n")
    r = run_host(["--config", str(cfg), "--check-config"], env={})
    assert r.returncode == 0, r.stderr


def test_two_mode_flags_usage_error():
    r = run_host(["--check-config", "--version"])
    assert r.returncode == 64 and "usage: monlight-host" in r.stderr


def test_healthcheck_loads_no_plugin(fixture_host):
    h = fixture_host()
    # The plugin path is broken for --healthcheck: it must not matter (only host.* and *.listen are read).
    text = h.config_path.read_text().replace("host.plugin_path", "host.plugin_path = /nonexistent\n#")
    cfg = h.dir / "hc.properties"
    cfg.write_text(text)
    r = run_host(["--config", str(cfg), "--healthcheck"])
    assert r.returncode == 0, r.stderr


def test_limits_shared_between_own_and_combined_listener(fixture_host):
    h = fixture_host(combined=True, config={"fixture-good.rate_limit": "3"})
    key = h.key(P)
    assert h.request(P, "GET", "/api/hello").status == 200
    assert h.request(P, "GET", "/api/hello").status == 200
    assert http("GET", h.url() + "/fixture-good/api/hello", headers={"X-API-Key": key}).status == 200
    r = http("GET", h.url() + "/fixture-good/api/hello", headers={"X-API-Key": key})
    assert r.status == 429 and r.json()["detail"] == "Rate limit exceeded"
    assert h.request(P, "GET", "/api/hello").status == 429


def test_metrics_and_health_never_rate_limited(fixture_host):
    h = fixture_host(combined=True, config={"fixture-good.rate_limit": "1", "host.ip_rate_limit": "1",
                                            "host.self_metrics": "public"})
    for _ in range(4):
        assert h.request(P, "GET", "/metrics", key=False).status == 200
        assert h.request(P, "GET", "/health", key=False).status == 200
        assert http("GET", h.url() + "/metrics").status == 200
        assert http("GET", h.url() + "/health").status == 200
    assert h.request(P, "GET", "/open", key=False).status == 200
    assert h.request(P, "GET", "/open", key=False).status == 429


def test_configured_body_cap(fixture_host):
    h = fixture_host(config={"fixture-good.max_body_size": "1024"})
    prefix, suffix = b'{"text":"', b'"}'
    body = prefix + b"z" * (1024 - len(prefix) - len(suffix)) + suffix
    assert h.request(P, "POST", "/api/items", body=body).status == 201
    r = h.request(P, "POST", "/api/items", body=body + b" ")
    assert r.status == 413 and r.body == b'{"detail":"Request body exceeds maximum size"}'


def test_stalled_client_is_disconnected(fixture_host):
    h = fixture_host(config={"host.request_timeout_seconds": "1"})
    s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        t0 = time.monotonic()
        data = b""
        while True:
            try:
                chunk = s.recv(4096)
            except (ConnectionResetError, OSError):
                break
            if not chunk:
                break
            data += chunk
        assert time.monotonic() - t0 < 9
        assert b"200 OK" not in data
    finally:
        s.close()
    assert h.request(P, "GET", "/health", key=False).status == 200


def test_max_keep_alive_requests(fixture_host):
    h = fixture_host(config={"host.max_keep_alive_requests": "2"})
    s = socket.create_connection(("127.0.0.1", h.ports[P]), timeout=10)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _, closed = read_response(s)
        assert status == 200 and not closed
        s.settimeout(10)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, _, closed = read_response(s)
        assert status == 200
        assert closed
    finally:
        s.close()


def test_connections_beyond_the_queue_are_closed_without_response(fixture_host):
    h = fixture_host(config={"fixture-good.max_threads": "1", "fixture-good.max_queued": "1"})
    results = {}

    def slow(i):
        try:
            results[i] = h.request(P, "GET", "/api/slow?ms=2000", timeout=15).status
        except OSError as e:
            results[i] = type(e).__name__

    threads = []
    for i in range(4):
        t = threading.Thread(target=slow, args=(i,))
        t.start()
        threads.append(t)
        time.sleep(0.3)
    for t in threads:
        t.join(20)
    assert results[0] == 200 and results[1] == 200  # the running one and the queued one
    assert results[2] != 200 and results[3] != 200 and isinstance(results[2], str), results
    assert h.request(P, "GET", "/health", key=False).status == 200


def test_plugin_log_level_overrides_host_level(fixture_host):
    h = fixture_host(config={"host.log_level": "warning", "fixture-good.log_level": "info"})
    log = h.log()
    assert "INFO  fixture-good: listening on" in log
    assert "INFO  host:" not in log and "DEBUG" not in log
    h2 = fixture_host(config={"host.log_level": "info", "fixture-good.log_level": "error"})
    log = h2.log()
    assert "fixture-good: listening on" not in log
    assert "INFO  host: monlight-host" in log


def test_get_and_head_bodies_over_the_cap_are_ignored(fixture_host):
    h = fixture_host()
    key = h.key(P)
    for method in ("GET", "HEAD"):
        data = (f"{method} /api/hello HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Length: 10000\r\n\r\n"
                .encode() + b"x" * 10000)
        status, headers, body, closed = raw_exchange(h.ports[P], data)
        assert status == 200, method
        assert body == (b'{"hello":"world","answer":42}' if method == "GET" else b"")
        # The unread body is never parsed as a request: the connection is closed after the answer.
        assert closed and headers["connection"].lower() == "close"


def test_connection_closed_after_grace_while_handler_still_runs(fixture_host):
    h = fixture_host(config={"host.shutdown_grace_seconds": "1"})
    result = {}

    def slow():
        try:
            result["r"] = h.request(P, "GET", "/api/slow?ms=5000", timeout=20)
        except OSError as e:
            result["r"] = e

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    h.proc.send_signal(signal.SIGTERM)
    t.join(20)
    h.proc.wait(15)
    assert h.proc.returncode == 0
    # The client was disconnected at the end of the grace period, without a response.
    assert isinstance(result["r"], OSError), result

