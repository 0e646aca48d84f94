"""The HTTPS forward proxy clients are pointed at (HTTPS_PROXY). A CONNECT to a host the sandbox
serves is answered by terminating TLS with the sandbox certificate and handing each request inside
the tunnel to `app.handle`; a CONNECT anywhere else is refused, so nothing ever leaves the machine.
Plain requests to the proxy's own address are the managed-identity endpoint. Message framing on
both sides of the tunnel is h11's (`framing.py`)."""
from __future__ import annotations

import json
import logging
import socket
import socketserver
import ssl
import time
from urllib.parse import parse_qsl, urlsplit

from . import app, identity
from .framing import FramingError, HttpConnection, Incoming
from .http import Request, Response

log = logging.getLogger("labhelpers.sandbox")
IDENTITY_PATH = "/msi/token"
IDLE_TIMEOUT = 300                # idle keep-alive connections are closed after this
TUNNEL_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"})
PROXY_METHODS = TUNNEL_METHODS | {"CONNECT"}
JSON = "application/json; charset=utf-8"


class ConnectionHandler(socketserver.BaseRequestHandler):
    """One client connection to the proxy port: CONNECT tunnels and the managed-identity endpoint."""
    server: SandboxServer

    def handle(self) -> None:
        self.request.settimeout(IDLE_TIMEOUT)
        self._serve(HttpConnection(self.request, app.MAX_BODY, PROXY_METHODS), None)

    def _serve(self, conn: HttpConnection, tunnel_host: str | None) -> None:
        """Requests one after another on one connection (keep-alive, pipelining) until it closes."""
        where = tunnel_host or "proxy"
        while True:
            try:
                incoming = conn.next_request()
            except FramingError as err:
                log.info("refused a request on %s that could not be framed: %s", where, err.message)
                body = json.dumps({"error": {"code": err.code, "message": err.message}}).encode()
                conn.send_error(err, body, {"Content-Type": JSON})
                self.server.request_log(conn.method or "-", where, "-", err.status, 0, "")
                return
            if incoming is None:
                return
            started = time.perf_counter()
            if tunnel_host is not None:
                req = Request(incoming.method, tunnel_host, incoming.target, incoming.headers, incoming.body,
                              self.client_address[0])
                resp = app.handle(self.server.sb, req)
                caller, close = (req.caller.object_id if req.caller else ""), False
            elif incoming.method == "CONNECT":
                self._connect(conn, incoming)
                return
            else:
                resp, caller = self._identity(incoming), ""
                close = resp.status == 403          # not the identity endpoint: nothing more to say here
            conn.send(resp.status, resp.headers, resp.payload(), close=close)
            self.server.request_log(incoming.method, where, app.loggable_target(incoming.target), resp.status,
                                    (time.perf_counter() - started) * 1000, caller)
            if close or conn.must_close:
                return

    def _connect(self, conn: HttpConnection, incoming: Incoming) -> None:
        started = time.perf_counter()
        host, _, port = incoming.target.rpartition(":")
        host = host.strip("[]").lower()
        if port != "443" or app.plane_of(host) is None:
            refusal = (403, f"The sandbox serves Azure's own hosts only; '{incoming.target}' is not one of them.")
        elif not app.host_exists(self.server.sb, host):
            # In Azure the name would not resolve; the proxy says so instead of a DNS error.
            refusal = (502, f"No sandbox resource answers at '{host}' (in Azure: the name does not resolve).")
        else:
            refusal = None
        if refusal:
            conn.send(refusal[0], {"Content-Type": "text/plain"}, (refusal[1] + "\n").encode(), close=True)
            self.server.request_log("CONNECT", incoming.target, "", refusal[0],
                                    (time.perf_counter() - started) * 1000, "")
            return
        conn.send(200, {}, b"", reason="Connection Established")
        if conn.h11.trailing_data[0]:        # clients wait for our 200 before their TLS hello
            log.info("a client sent data before the CONNECT was answered; closing the tunnel")
            return
        try:
            tls = self.server.tls_context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS handshake with a client failed: %s", exc)
            return
        self._serve(HttpConnection(tls, app.MAX_BODY, TUNNEL_METHODS), host)

    def _identity(self, incoming: Incoming) -> Response:
        target = urlsplit(incoming.target)
        if target.scheme or target.path != IDENTITY_PATH:
            return Response(403, "The sandbox proxy forwards HTTPS (CONNECT) to Azure hosts only.\n",
                            {"Content-Type": "text/plain"})
        query = dict(parse_qsl(target.query, keep_blank_values=True))
        status, body = identity.token_response(self.server.sb, query, incoming.headers)
        return Response(status, body, {"Content-Type": "application/json"})


class SandboxServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sb, address: tuple[str, int], cert: str, key: str, log_path):
        self.sb = sb
        self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls_context.load_cert_chain(cert, key)
        self._log = open(log_path, "a", buffering=1)
        super().__init__(address, ConnectionHandler)

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
