"""Helpers for the log-viewer black-box tests: a fake Docker containers directory and an SSE client."""
import json
import os
import socket
import time
import urllib.parse
from pathlib import Path


def wait_for(fn, timeout=10.0, interval=0.05):
    """Calls fn until it returns a truthy value; returns it, or the last value after the timeout."""
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(interval)
        value = fn()
    return value


class FakeDocker:
    """A directory laid out like /var/lib/docker/containers with json-file logs."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.seq = 0

    def add(self, cid, name):
        d = self.root / cid
        d.mkdir(parents=True, exist_ok=True)
        (d / "config.v2.json").write_text(json.dumps({"ID": cid, "Name": "/" + name, "State": {"Running": True}}))
        self.log_path(cid).touch()
        return d

    def log_path(self, cid):
        return self.root / cid / f"{cid}-json.log"

    @staticmethod
    def line(text, stream="stdout", ts=None, newline=True):
        if ts is None:
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".123456789Z"
        rec = {"log": text + ("\n" if newline else ""), "stream": stream, "time": ts}
        return (json.dumps(rec, ensure_ascii=False) + "\n").encode()

    def write(self, cid, *texts, stream="stdout", ts=None):
        with open(self.log_path(cid), "ab") as f:
            for t in texts:
                f.write(self.line(t, stream, ts))

    def write_raw(self, cid, data):
        with open(self.log_path(cid), "ab") as f:
            f.write(data)

    def rotate(self, cid):
        p = self.log_path(cid)
        os.rename(p, str(p) + ".1")
        p.touch()

    def truncate(self, cid):
        with open(self.log_path(cid), "r+b") as f:
            f.truncate(0)


class SseClient:
    """A raw-socket SSE client that parses events as they arrive."""

    def __init__(self, url, path, headers=None, timeout=10):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        hdrs = {"Host": f"{u.hostname}:{u.port}", "Accept": "text/event-stream"}
        hdrs.update(headers or {})
        req = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        self.sock.sendall(req.encode())
        self.buf = b""
        self.status = None
        self.headers = {}
        self.closed = False
        self.raw = b""
        self._read_head(timeout)

    def _recv(self, timeout):
        self.sock.settimeout(max(0.01, timeout))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            self.closed = True
            return False
        self.buf += data
        self.raw += data
        return True

    def _read_head(self, timeout):
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._recv(deadline - time.time()) and (self.closed or time.time() > deadline):
                raise RuntimeError(f"no response head: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for l in lines[1:]:
            k, _, v = l.partition(":")
            self.headers[k.strip().lower()] = v.strip()

    def body_rest(self, timeout=5):
        """For non-200 answers: the body (by Content-Length)."""
        n = int(self.headers.get("content-length", "0"))
        deadline = time.time() + timeout
        while len(self.buf) < n and time.time() < deadline:
            self._recv(deadline - time.time())
        return self.buf[:n]

    def next_event(self, timeout=10):
        """The next event as a dict {id, event, data, retry}, or None on timeout/close."""
        deadline = time.time() + timeout
        while True:
            if b"\n\n" in self.buf:
                block, self.buf = self.buf.split(b"\n\n", 1)
                ev = {"id": None, "event": "message", "data": None, "retry": None}
                for l in block.decode("utf-8").split("\n"):
                    k, _, v = l.partition(":")
                    v = v[1:] if v.startswith(" ") else v
                    if k == "data":
                        ev["data"] = v if ev["data"] is None else ev["data"] + "\n" + v
                    elif k in ("id", "event", "retry"):
                        ev[k] = v
                return ev
            if self.closed or time.time() > deadline:
                return None
            self._recv(deadline - time.time())

    def events_until(self, pred, timeout=10):
        """Collects events until pred(event) is true for one (included) or the timeout."""
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            ev = self.next_event(deadline - time.time())
            if ev is None:
                break
            out.append(ev)
            if pred(ev):
                break
        return out

    def log_events(self, n, timeout=10):
        out = []
        deadline = time.time() + timeout
        while len(out) < n and time.time() < deadline:
            ev = self.next_event(deadline - time.time())
            if ev is None:
                break
            if ev["event"] == "log":
                out.append(ev)
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
