"""Shared helpers of the Sentry-protocol ingest tests (SPEC §11)."""
import gzip
import http.client
import json
import re
import time
import urllib.parse
import zlib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sentry"
FIXTURE_KEY = "0123456789abcdef0123456789abcdef"
FIXTURE_NUMBER = 42
ORIGINS = "http://127.0.0.1:18234, http://127.0.0.1:18236, https://app.example.com"


def seed_keys():
    """41 other keys first, so the fixtures' key gets project number 42 like in the recordings."""
    keys = [f"other:filler{i:026d}" for i in range(1, 42)]
    keys.append(f"app:{FIXTURE_KEY}")
    return ",".join(keys)


def start(host_factory, tmp_path, combined=False, **relay):
    logs = Path(tmp_path) / "containers"
    logs.mkdir(parents=True, exist_ok=True)
    cfg = {
        "browser-relay.cors_origins": ORIGINS,
        "browser-relay.dsn_keys": seed_keys(),
        "browser-relay.rate_limit": "0",
        "log-viewer.log_sources": str(logs),
        "log-viewer.rate_limit": "0",
        "error-tracker.rate_limit": "0",
        "metrics-collector.rate_limit": "0",
    }
    cfg.update({f"browser-relay.{k}": str(v) for k, v in relay.items()})
    return host_factory(plugins=["error-tracker", "metrics-collector", "log-viewer", "browser-relay"],
                        config=cfg, combined=combined)


def index():
    return json.loads((FIXTURES / "index.json").read_text())


def encode(body, encoding):
    if not encoding:
        return body
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "br":
        import brotli
        return brotli.compress(body)
    raise ValueError(encoding)


def post(url, path, body, headers=None, chunked=False, timeout=15):
    """POST raw bytes; chunked=True sends Transfer-Encoding: chunked without Content-Length."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    hdrs = dict(headers or {})
    try:
        if chunked:
            conn.putrequest("POST", path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for i in range(0, len(body), 700):
                part = body[i:i + 700]
                conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            conn.request("POST", path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def replay(h, entry, base=None):
    """Sends one recorded request: the recorded body, re-encoded with its recorded Content-Encoding."""
    body = (FIXTURES / entry["file"]).read_bytes()
    hdrs = {k: v for k, v in entry["headers"].items() if k.lower() not in ("content-length", "transfer-encoding")}
    wire = encode(body, hdrs.get("Content-Encoding"))
    chunked = entry["headers"].get("Transfer-Encoding") == "chunked"
    return post(base or h.url("browser-relay"), entry["path"], wire, hdrs, chunked=chunked)


def envelope(header, items):
    """items: (item_header, payload bytes) pairs; length-framed."""
    out = [json.dumps(header).encode() + b"\n"]
    for ih, payload in items:
        ih = dict(ih)
        ih.setdefault("length", len(payload))
        out.append(json.dumps(ih).encode() + b"\n" + payload + b"\n")
    return b"".join(out)


def auth(key=FIXTURE_KEY):
    return {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, sentry_client=test/1.0"}


def errors(h, **params):
    q = urllib.parse.urlencode(dict(params, limit=100))
    r = h.request("error-tracker", "GET", "/api/errors?" + q)
    assert r.status == 200, r
    return r.json()["errors"]


def error_detail(h, gid):
    r = h.request("error-tracker", "GET", f"/api/errors/{gid}")
    assert r.status == 200, r
    return r.json()


def logs(h, **params):
    params.setdefault("limit", 500)
    r = h.request("log-viewer", "GET", "/api/logs?" + urllib.parse.urlencode(params))
    assert r.status == 200, r
    return r.json()["logs"]


def metric(h, name, **params):
    params.update(name=name)
    params.setdefault("period", "30d")
    params.setdefault("resolution", "hour")
    r = h.request("metrics-collector", "GET", "/api/metrics?" + urllib.parse.urlencode(params))
    return r


def relay_metric(h, family, **labels):
    """The value of a relay /metrics series with at least these labels (sum over matches), 0 when absent."""
    r = h.request("browser-relay", "GET", "/metrics")
    assert r.status == 200, r
    text = r.body.decode()
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(family + "{"):
            continue
        m = re.match(r"[^{]+\{(.*)\} (\S+)$", line)
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(2))
    return total


def wait_for(fn, timeout=10, interval=0.1):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(interval)


def post_until_answered(url, path, body, headers, chunked=False, timeout=15):
    """Sends a large body but stops as soon as the server answers (it may refuse early and close); returns
    (status, body bytes)."""
    import select
    import socket
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
        for k, v in headers.items():
            head += f"{k}: {v}\r\n"
        head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {len(body)}\r\n"
        s.sendall(head.encode() + b"\r\n")
        step = 64 * 1024
        for i in range(0, len(body), step):
            if select.select([s], [], [], 0)[0]:
                break
            part = body[i:i + step]
            try:
                s.sendall(b"%x\r\n" % len(part) + part + b"\r\n" if chunked else part)
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1])
        return status, data.split(b"\r\n\r\n", 1)[1]
    finally:
        s.close()
