"""A TLS-terminating TCP proxy for tests: accepts TLS on a free port and pipes each connection's bytes to a plain
upstream (host, port), the way nginx would sit in front of a tracker. Counts connections and handshakes.
Certificates: monlight_test.self_signed_cert."""
import socket
import ssl
import threading


class TlsProxy:
    def __init__(self, upstream_port, certfile, keyfile):
        self.upstream_port = upstream_port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.handshakes = 0
        self.failed_handshakes = 0
        self._closed = False
        self._live = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            self.failed_handshakes += 1
            conn.close()
            return
        self.handshakes += 1
        up = socket.create_connection(("127.0.0.1", self.upstream_port))
        self._live.append(up)

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pump, args=(up, tls), daemon=True)
        t.start()
        pump(tls, up)
        t.join(5)
        tls.close()
        up.close()

    def drop_connections(self):
        """Closes every open connection, as a proxy does with idle keep-alive connections."""
        for s in self._live:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._live = []

    def close(self):
        self._closed = True
        self.sock.close()
