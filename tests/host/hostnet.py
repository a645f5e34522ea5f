"""Raw-socket helpers for the host tests (chunked bodies, keep-alive, exact header checks)."""
import json
import socket


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes on a new connection and returns (status, headers, body, closed) of the first response.
    A HEAD request (data starting with b"HEAD ") is answered without a body whatever its Content-Length."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_response(s, head=data.startswith(b"HEAD "))
    finally:
        s.close()


def read_response(s, head=False):
    """Reads one response; head=True: a HEAD answer (no body whatever its Content-Length)."""
    is_head = head
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a response: {buf!r}")
        buf += chunk
    top, rest = buf.split(b"\r\n\r\n", 1)
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    length = 0 if is_head else int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    body = rest[:length]
    # Did the server close the connection after this response?
    closed = False
    s.settimeout(1.0)
    try:
        more = s.recv(1)
        closed = more == b""
    except socket.timeout:
        closed = False
    except (ConnectionResetError, OSError):
        closed = True
    return status, headers, body, closed


def jbody(body):
    return json.loads(body.decode("utf-8"))
