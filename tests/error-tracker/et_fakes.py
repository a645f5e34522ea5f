"""Local stand-ins for alert destinations: an HTTP server (Postmark, webhooks) and an SMTP sink."""
import base64
import email
import email.policy
import json
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHttp:
    """Records every POST; answers with queued (status, body) pairs, then with the default."""

    def __init__(self, default_status=200, default_body=b'{"ErrorCode":0,"Message":"OK"}'):
        self.requests = []
        self.replies = []
        self.delay = 0.0  # seconds to stall before answering (a hanging endpoint)
        self.default = (default_status, default_body)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with fake.lock:
                    fake.requests.append({"path": self.path,
                                          "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body})
                    status, reply = fake.replies.pop(0) if fake.replies else fake.default
                if fake.delay:
                    time.sleep(fake.delay)
                try:
                    self._answer(status, reply)
                except OSError:
                    pass  # the client gave up (shutdown test)

            def _answer(self, status, reply):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json_bodies(self, path=None):
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests if path is None or r["path"] == path]

    def wait(self, count, path=None, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.json_bodies(path)) >= count:
                return self.json_bodies(path)
            time.sleep(0.05)
        return self.json_bodies(path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeSmtp:
    """A minimal ESMTP sink. Recipients containing `reject` get 550. Messages are kept parsed and raw."""

    def __init__(self, tls=None, certfile=None, keyfile=None):
        """tls: None (plain), "starttls" (advertised, required before MAIL) or "implicit" (TLS from the start)."""
        self.messages = []  # dicts: mail_from, rcpt, data (bytes), auth, commands, secure
        self.lock = threading.Lock()
        self.tls = tls
        self.ctx = None
        if tls:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(certfile, keyfile)
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line):
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def secure(self):
                self.connection = fake.ctx.wrap_socket(self.request, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")

            def handle(self):
                session = {"mail_from": None, "rcpt": [], "data": None, "auth": None, "commands": [],
                           "secure": False}
                if fake.tls == "implicit":
                    try:
                        self.secure()
                    except (ssl.SSLError, OSError):
                        return
                    session["secure"] = True
                self.send("220 fake.smtp ESMTP ready")
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    session["commands"].append(line)
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        starttls = b"250-STARTTLS\r\n" if fake.tls == "starttls" and not session["secure"] else b""
                        self.wfile.write(b"250-fake.smtp hello\r\n" + starttls + b"250-8BITMIME\r\n250 AUTH PLAIN\r\n")
                        self.wfile.flush()
                    elif verb == "STARTTLS" and fake.tls == "starttls" and not session["secure"]:
                        self.send("220 2.0.0 ready to start TLS")
                        try:
                            self.secure()
                        except (ssl.SSLError, OSError):
                            return
                        session["secure"] = True
                    elif verb == "MAIL" and fake.tls == "starttls" and not session["secure"]:
                        self.send("530 5.7.0 must issue STARTTLS first")
                    elif verb == "AUTH":
                        session["auth"] = base64.b64decode(line.split(" ", 2)[2]).split(b"\0")
                        self.send("235 2.7.0 Authentication successful")
                    elif verb == "MAIL":
                        session["mail_from"] = line[10:].strip()
                        self.send("250 OK")
                    elif verb == "RCPT":
                        addr = line[8:].strip()
                        if "reject" in addr:
                            self.send("550 no such user")
                        else:
                            session["rcpt"].append(addr)
                            self.send("250 OK")
                    elif verb == "DATA":
                        self.send("354 go ahead")
                        data = b""
                        while not data.endswith(b"\r\n.\r\n"):
                            chunk = self.rfile.readline()
                            if not chunk:
                                return
                            data += chunk
                        session["data"] = data
                        with fake.lock:
                            fake.messages.append(session)
                        self.send("250 queued")
                    elif verb == "QUIT":
                        self.send("221 bye")
                        return
                    else:
                        self.send("502 not implemented")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)

    @staticmethod
    def parse(data):
        """Undoes dot-stuffing and parses the message."""
        lines = data[:-5].split(b"\r\n")
        lines = [l[1:] if l.startswith(b".") else l for l in lines]
        return email.message_from_bytes(b"\r\n".join(lines) + b"\r\n", policy=email.policy.default)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
