"""The HTTPS forward proxy clients are pointed at (HTTPS_PROXY). A CONNECT to a host the sandbox
serves is answered by terminating TLS with the sandbox certificate and handing each request inside
the tunnel to `app.handle`; a CONNECT anywhere else is refused, so nothing ever leaves the machine.
Plain requests to the proxy's own address are the managed-identity endpoint."""
from __future__ import annotations

import json
import logging
import socket
import socketserver
import ssl
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from . import app, identity
from .http import Request, Response

log = logging.getLogger("labhelpers.sandbox")
IDENTITY_PATH = "/msi/token"
MAX_HEADER_BODY = app.MAX_BODY + 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CMKLabSandbox"
    sys_version = ""
    timeout = 300                     # idle keep-alive connections are closed after this

    def log_message(self, fmt, *args):  # the request log is written by _write (without headers)
        pass

    def _quick_ack(self) -> None:
        """urllib3 keeps Nagle on behind a proxy, so a POST body waits for our ACK: send it at once
        (Linux clears the flag after a while, so it is set again before every read)."""
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except (AttributeError, OSError):
            pass

    def handle_one_request(self):
        self._quick_ack()
        super().handle_one_request()

    def _body(self) -> bytes | None:
        self._quick_ack()
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_HEADER_BODY:
            # Drain what the client sends before answering 413, or it sees a reset instead of the error.
            while length > 0 and self.rfile.read(min(length, 1 << 20)):
                length -= 1 << 20
            return None
        return self.rfile.read(length) if length else b""

    def _write(self, resp: Response, host: str, caller: str = "") -> None:
        payload = resp.payload()
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        if self.command != "HEAD":     # head and body in one write: one TLS record, one read for the client
            self._headers_buffer.append(b"\r\n" + payload)
            self.flush_headers()
        else:
            self.end_headers()
        self.server.request_log(self.command, host, app.loggable_target(self.path), resp.status,
                                (time.perf_counter() - self._started) * 1000, caller)


class ProxyHandler(_Handler):
    """On the proxy port: CONNECT tunnels and the managed-identity endpoint."""

    def do_CONNECT(self):
        self._started = time.perf_counter()
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]").lower()
        if port != "443" or app.plane_of(host) is None:
            self._refuse(403, f"The sandbox serves Azure's own hosts only; '{self.path}' is not one of them.")
            return
        if not app.host_exists(self.server.sb, host):
            # In Azure the name would not resolve; the proxy says so instead of a DNS error.
            self._refuse(502, f"No sandbox resource answers at '{host}' (in Azure: the name does not resolve).")
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS handshake with a client failed: %s", exc)
            self.close_connection = True
            return
        TunnelHandler(tls, self.client_address, self.server, host)
        self.close_connection = True

    def do_GET(self):
        self._started = time.perf_counter()
        target = urlsplit(self.path)
        if target.scheme or target.path != IDENTITY_PATH:
            self._refuse(403, "The sandbox proxy forwards HTTPS (CONNECT) to Azure hosts only.")
            return
        self._body()
        query = dict(parse_qsl(target.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body = identity.token_response(self.server.sb, query, headers)
        self._write(Response(status, body, {"Content-Type": "application/json"}), "identity")

    def _refuse(self, status: int, message: str) -> None:
        self._write(Response(status, message + "\n", {"Content-Type": "text/plain"}), self.path)
        self.close_connection = True

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET


class TunnelHandler(_Handler):
    """HTTP/1.1 inside a TLS tunnel for one Azure host (keep-alive: many requests per tunnel)."""

    def __init__(self, sock, client_address, server, host: str):
        self.tunnel_host = host
        super().__init__(sock, client_address, server)

    def _serve(self):
        self._started = time.perf_counter()
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if body is None:
            resp = Response(413, {"error": {"code": "RequestEntityTooLarge",
                                            "message": f"The request content size exceeds the maximum allowed "
                                                       f"size of {app.MAX_BODY} bytes."}},
                            {"Content-Type": "application/json; charset=utf-8"})
            self.close_connection = True
            self._write(resp, self.tunnel_host)
            return
        req = Request(self.command, self.tunnel_host, self.path, headers, body, self.client_address[0])
        resp = app.handle(self.server.sb, req)
        self._write(resp, self.tunnel_host, req.caller.object_id if req.caller else "")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class SandboxServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sb, address: tuple[str, int], cert: str, key: str, log_path):
        self.sb = sb
        self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls_context.load_cert_chain(cert, key)
        self._log = open(log_path, "a", buffering=1)
        super().__init__(address, ProxyHandler)

    def get_request(self):
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # small JSON replies, no Nagle delay
        return conn, addr

    def request_log(self, method: str, host: str, path: str, status: int, ms: float, caller: str) -> None:
        """One JSON line per request for debugging: never a header, so never a token."""
        self._log.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "method": method,
                                    "host": host, "path": path, "status": status, "ms": round(ms, 2),
                                    "caller": caller}) + "\n")

    def server_close(self):
        super().server_close()
        self._log.close()
