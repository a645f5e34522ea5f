"""The request pipeline of SPEC §0.3–§0.5, §0.7, §0.10, §0.18 on a plugin listener (fixture-good)."""
import http.client as httpclient
import re

from hostnet import jbody, raw_exchange
from monlight_test import http, VERSION

P = "fixture-good"
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def test_health_and_common_headers(fixture_host):
    h = fixture_host()
    r = h.request(P, "GET", "/health", key=False)
    assert r.status == 200
    assert r.body == b'{"status":"ok","service":"fixture-good","version":"' + VERSION.encode() + b'"}'
    assert r.headers["content-type"] == "application/json"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert HEX16.match(r.headers["x-request-id"])
    # The query string never influences routing.
    assert h.request(P, "GET", "/health?x=1", key=False).status == 200


def test_401_shapes(fixture_host):
    h = fixture_host()
    for headers in ({}, {"X-API-Key": ""}, {"X-API-Key": "wrong-key-wrong-key"}, {"x-api-key": h.key(P) + "x"}):
        r = h.request(P, "GET", "/api/hello", headers=headers, key=False)
        assert r.status == 401, (headers, r)
        assert r.body == b'{"detail":"Invalid API key"}'
        assert r.headers["content-type"] == "application/json"
    # Header name is case-insensitive.
    r = h.request(P, "GET", "/api/hello", headers={"x-api-key": h.key(P)}, key=False)
    assert r.status == 200 and r.json() == {"hello": "world", "answer": 42}
    # ?api_key= is not accepted on ordinary routes.
    r = h.request(P, "GET", "/api/hello?api_key=" + h.key(P), key=False)
    assert r.status == 401


def test_key_rotation_accepts_each_key(fixture_host):
    h = fixture_host(config={"fixture-good.api_key": " first-key-0123456789 , second-key-0123456789 "})
    for k in ("first-key-0123456789", "second-key-0123456789"):
        assert h.request(P, "GET", "/api/hello", headers={"X-API-Key": k}, key=False).status == 200
    assert h.request(P, "GET", "/api/hello", headers={"X-API-Key": "first-key-0123456789,second-key-0123456789"},
                     key=False).status == 401


def test_404_and_405_shapes(fixture_host):
    h = fixture_host()
    r = h.request(P, "GET", "/api/nothing-here")
    assert r.status == 404 and r.body == b'{"detail":"Not found"}'
    # 404 comes before authentication.
    r = h.request(P, "GET", "/api/nothing-here", key=False)
    assert r.status == 404 and r.body == b'{"detail":"Not found"}'
    r = h.request(P, "DELETE", "/api/hello", key=False)
    assert r.status == 405 and r.body == b'{"detail":"Method not allowed"}'
    assert r.headers["allow"] == "GET, HEAD"
    r = h.request(P, "GET", "/api/items")
    assert r.status == 405 and r.headers["allow"] == "POST"
    r = h.request(P, "POST", "/health", body={})
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"
    # {id} matches any segment; one trailing slash is ignored.
    r = h.request(P, "PUT", "/api/items/abc")
    assert r.status == 405 and "GET" in r.headers["allow"] and "HEAD" in r.headers["allow"]
    assert h.request(P, "GET", "/api/hello/").status == 200


def test_head_is_get_without_body(fixture_host):
    h = fixture_host()
    g = h.request(P, "GET", "/api/hello")
    r = h.request(P, "HEAD", "/api/hello")
    assert r.status == 200 and r.body == b""
    assert r.headers["content-type"] == g.headers["content-type"]
    assert r.headers["content-length"] == g.headers["content-length"]
    assert r.headers["cache-control"] == "no-store"
    r = h.request(P, "HEAD", "/health", key=False)
    assert r.status == 200 and r.body == b""
    r = h.request(P, "HEAD", "/api/hello", key=False)
    assert r.status == 401 and r.body == b""


def test_request_id_echo_and_generation(fixture_host):
    h = fixture_host()
    for rid in ("abc-123_X.y", "a" * 64):
        r = h.request(P, "GET", "/api/hello", headers={"X-Request-Id": rid})
        assert r.headers["x-request-id"] == rid
    for bad in ("a" * 65, "has space", "semi;colon", "ü"):
        r = h.request(P, "GET", "/api/hello", headers={"X-Request-Id": bad.encode("utf-8").decode("latin-1")})
        assert HEX16.match(r.headers["x-request-id"]), (bad, r.headers)
    # Present on error answers too, and distinct per request.
    a = h.request(P, "GET", "/nope", key=False).headers["x-request-id"]
    b = h.request(P, "GET", "/api/hello", key=False).headers["x-request-id"]
    assert HEX16.match(a) and HEX16.match(b) and a != b


def test_413_content_length_over_cap(fixture_host):
    h = fixture_host()
    port = h.ports[P]
    head = (f"POST /api/items HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\nContent-Type: application/json\r\n"
            "Content-Length: 4097\r\n\r\n")
    status, headers, body, closed = raw_exchange(port, head.encode() + b'{"text":"')
    assert status == 413
    assert jbody(body) == {"detail": "Request body exceeds maximum size"}
    assert body == b'{"detail":"Request body exceeds maximum size"}'
    assert headers["connection"].lower() == "close"
    assert closed
    # 413 comes after authentication: a wrong key gives 401.
    bad = head.replace(h.key(P), "not-the-key-0000000")
    status, _, body, _ = raw_exchange(port, bad.encode())
    assert status == 401


def test_body_of_exactly_the_cap_is_accepted(fixture_host):
    h = fixture_host()
    prefix, suffix = b'{"text":"', b'"}'
    body = prefix + b"x" * (4096 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 4096
    r = h.request(P, "POST", "/api/items", body=body)
    assert r.status == 201, r
    assert h.request(P, "POST", "/api/items", body=body + b" ").status == 413


def test_413_chunked_over_cap(fixture_host):
    h = fixture_host()
    port = h.ports[P]
    head = (f"POST /api/items HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    payload = b'{"text":"' + b"y" * 6000 + b'"}'
    chunks = b""
    for i in range(0, len(payload), 1000):
        part = payload[i:i + 1000]
        chunks += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    chunks += b"0\r\n\r\n"
    status, headers, body, closed = raw_exchange(port, head.encode() + chunks)
    assert status == 413
    assert body == b'{"detail":"Request body exceeds maximum size"}'
    assert headers["connection"].lower() == "close"
    assert closed
    # A chunked body under the cap is fine.
    small = b'{"text":"chunked"}'
    ok = head.encode() + f"{len(small):x}\r\n".encode() + small + b"\r\n0\r\n\r\n"
    status, _, body, _ = raw_exchange(port, ok)
    assert status == 201 and "id" in jbody(body)


def test_429_rate_limit_shape(fixture_host):
    h = fixture_host(config={"fixture-good.rate_limit": "3"})
    for _ in range(3):
        assert h.request(P, "GET", "/api/hello").status == 200
    r = h.request(P, "GET", "/api/hello")
    assert r.status == 429
    body = r.json()
    assert list(body) == ["detail", "retry_after"]
    assert body["detail"] == "Rate limit exceeded"
    # All three requests fell into the last one or two one-second slots: the window frees up after 59-60 s.
    assert isinstance(body["retry_after"], int) and body["retry_after"] in (59, 60)
    assert r.headers["retry-after"] == str(body["retry_after"])
    assert r.body == ('{"detail":"Rate limit exceeded","retry_after":%d}' % body["retry_after"]).encode()
    # 401 and 404 are not counted and not limited by the key limiter; /health is never limited.
    assert h.request(P, "GET", "/api/hello", key=False).status == 401
    assert h.request(P, "GET", "/health", key=False).status == 200
    # The limit is per principal, not per route.
    assert h.request(P, "GET", "/api/items/1").status == 429


def test_rotated_keys_have_their_own_budgets(fixture_host):
    h = fixture_host(config={"fixture-good.rate_limit": "2",
                             "fixture-good.api_key": "rotated-one-0123456789,rotated-two-0123456789"})
    one, two = {"X-API-Key": "rotated-one-0123456789"}, {"X-API-Key": "rotated-two-0123456789"}
    assert [h.request(P, "GET", "/api/hello", headers=one, key=False).status for _ in range(3)] == [200, 200, 429]
    assert [h.request(P, "GET", "/api/hello", headers=two, key=False).status for _ in range(3)] == [200, 200, 429]


def test_400_and_413_count_against_the_limit(fixture_host):
    h = fixture_host(config={"fixture-good.rate_limit": "2"})
    assert h.request(P, "POST", "/api/items", body=b"{bad").status == 400
    assert h.request(P, "POST", "/api/items", body=b"x" * 5000).status == 413
    assert h.request(P, "POST", "/api/items", body=b'{"text":"x"}').status == 429
    # reads have their own budget of the same size (issue 15: a UI browsing must not starve ingest, nor the reverse)
    assert [h.request(P, "GET", "/api/hello").status for _ in range(3)] == [200, 200, 429]


def test_favicon_on_every_listener(fixture_host):
    h = fixture_host(combined=True)
    for url in (h.url(P) + "/favicon.ico", h.url() + "/favicon.ico", h.url() + "/" + P + "/favicon.ico"):
        r = http("GET", url)
        assert r.status == 200, (url, r)
        assert r.headers["content-type"] == "image/png"
        assert r.body.startswith(b"\x89PNG\r\n\x1a\n") and len(r.body) < 1024


def test_handler_std_exception_gives_500_and_connection_survives(fixture_host):
    h = fixture_host()
    conn = httpclient.HTTPConnection("127.0.0.1", h.ports[P], timeout=10)
    try:
        conn.request("GET", "/api/throw-std", headers={"X-API-Key": h.key(P), "X-Request-Id": "boom-1"})
        r = conn.getresponse()
        body = r.read()
        assert r.status == 500
        assert body == b'{"detail":"Internal server error","reference":"boom-1"}'
        assert (r.getheader("Connection") or "").lower() != "close"
        sock = conn.sock
        local = sock.getsockname()
        conn.request("GET", "/api/hello", headers={"X-API-Key": h.key(P)})
        r = conn.getresponse()
        assert r.status == 200 and r.read() == b'{"hello":"world","answer":42}'
        assert conn.sock is sock and sock.getsockname() == local
        # A non-std exception is mapped the same way, with a generated reference.
        conn.request("GET", "/api/throw-int", headers={"X-API-Key": h.key(P)})
        r = conn.getresponse()
        b = jbody(r.read())
        assert r.status == 500 and list(b) == ["detail", "reference"]
        assert b["detail"] == "Internal server error" and b["reference"] == r.getheader("X-Request-Id")
        conn.request("GET", "/health")
        r = conn.getresponse()
        assert r.status == 200
        r.read()
        assert conn.sock is sock
    finally:
        conn.close()
    # The reference is logged with the exception.
    log = h.log()
    assert "boom-1" in log and "a handler threw std::exception" in log


def test_brute_force_guard(fixture_host):
    h = fixture_host(config={"host.auth_failure_limit": "3"})
    for _ in range(3):
        assert h.request(P, "GET", "/api/hello", headers={"X-API-Key": "guess-guess-guess"}, key=False).status == 401
    r = h.request(P, "GET", "/api/hello")  # the correct key
    assert r.status == 429
    body = r.json()
    assert list(body) == ["detail", "retry_after"]
    assert body["detail"] == "Too many failed authentication attempts"
    assert body["retry_after"] in (59, 60)
    assert r.headers["retry-after"] == str(body["retry_after"])
    # Blocked before the key is looked at, on every API_KEY route; open routes and /health are not affected.
    assert h.request(P, "POST", "/api/items", body={"text": "x"}).status == 429
    assert h.request(P, "GET", "/api/hello", key=False).status == 429
    assert h.request(P, "GET", "/open", key=False).status == 200
    assert h.request(P, "GET", "/health", key=False).status == 200


def test_brute_force_guard_off(fixture_host):
    h = fixture_host(config={"host.auth_failure_limit": "0"})
    for _ in range(25):
        assert h.request(P, "GET", "/api/hello", key=False).status == 401
    assert h.request(P, "GET", "/api/hello").status == 200


def test_guard_below_limit_lets_correct_key_through(fixture_host):
    h = fixture_host(config={"host.auth_failure_limit": "3"})
    for _ in range(2):
        assert h.request(P, "GET", "/api/hello", key=False).status == 401
    assert h.request(P, "GET", "/api/hello").status == 200


def test_ip_rate_limit_on_open_routes_not_health(fixture_host):
    h = fixture_host(config={"host.ip_rate_limit": "2"})
    assert h.request(P, "GET", "/open", key=False).status == 200
    assert h.request(P, "GET", "/open", key=False).status == 200
    r = h.request(P, "GET", "/open", key=False)
    assert r.status == 429 and r.json()["detail"] == "Rate limit exceeded"
    assert r.headers["retry-after"] == str(r.json()["retry_after"])
    for _ in range(5):
        assert h.request(P, "GET", "/health", key=False).status == 200
    assert h.request(P, "GET", "/api/hello").status == 200


def test_ignored_get_body_is_not_parsed_as_next_request(fixture_host):
    h = fixture_host()
    smuggled = b"GET /api/throw-std HTTP/1.1\r\nHost: x\r\nX-API-Key: " + h.key(P).encode() + b"\r\n\r\n"
    req = (f"GET /api/hello HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\n"
           f"Content-Length: {len(smuggled)}\r\n\r\n").encode() + smuggled
    status, _, body, _ = raw_exchange(h.ports[P], req)
    assert status == 200 and jbody(body)["hello"] == "world"
    # Nothing was answered for the smuggled request (no 500 logged).
    assert "throw-std" not in h.log()


def test_invalid_content_length_is_400_and_closes(fixture_host):
    # Found by fuzz/http_body_fuzzer: Poco reads an empty or negative Content-Length as "unknown", the body was
    # taken as empty and the bytes after the head ran as the next request on the same connection.
    h = fixture_host()
    smuggled = b"GET /api/throw-std HTTP/1.1\r\nHost: x\r\nX-API-Key: " + h.key(P).encode() + b"\r\n\r\n"
    for lengths in ([b""], [b"-1"], [b"+2"], [b"2", b"5"]):
        head = f"POST /api/items HTTP/1.1\r\nHost: x\r\nX-API-Key: {h.key(P)}\r\n".encode()
        head += b"".join(b"Content-Length: " + v + b"\r\n" for v in lengths)
        status, _, body, closed = raw_exchange(h.ports[P], head + b"\r\n{}" + smuggled)
        assert (status, jbody(body), closed) == (400, {"detail": "Bad request"}, True), lengths
    assert "throw-std" not in h.log()


def test_items_roundtrip_and_handler_errors(fixture_host):
    h = fixture_host(config={"fixture-good.answer": "7"})
    assert h.request(P, "GET", "/api/hello").json() == {"hello": "world", "answer": 7}
    r = h.request(P, "POST", "/api/items", body={"text": "hé \"quoted\""})
    assert r.status == 201
    item = r.json()["id"]
    r = h.request(P, "GET", f"/api/items/{item}")
    assert r.status == 200 and r.json() == {"text": "hé \"quoted\""}
    r = h.request(P, "GET", "/api/items/999999")
    assert r.status == 404 and r.body == b'{"detail":"Item not found"}'
    r = h.request(P, "POST", "/api/items", body={"nope": 1})
    assert r.status == 400 and r.body == b'{"detail":"Missing required field: text"}'
    r = h.request(P, "POST", "/api/items", body=b"{not json")
    assert r.status == 400 and r.body == b'{"detail":"Invalid JSON"}'
    r = h.request(P, "POST", "/api/items", body=b"")
    assert r.status == 400 and r.body == b'{"detail":"Empty request body"}'
    r = http("POST", h.url(P) + "/api/items", body=b'{"text":"plain"}',
             headers={"X-API-Key": h.key(P), "Content-Type": "text/plain"})
    assert r.status == 201
