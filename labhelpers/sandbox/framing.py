"""HTTP/1.1 message framing on one socket, by h11: request heads, Content-Length and chunked bodies
(trailers included, so pipelined requests stay intact), keep-alive and the body size limit, enforced
while reading. Anything h11 cannot frame is a `FramingError` the caller answers in Azure's shape."""
from __future__ import annotations

import re
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus

import h11

MAX_HEAD = 64 * 1024            # request line + headers; HTTP.sys' default limit is of this order
LINGER_SECONDS = 10             # how long a refused upload is drained so the client reads our answer
SERVER = "CMKLabSandbox"
_LENGTH_FIELD = re.compile(rb"^content-length[ \t]*:([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


class FramingError(Exception):
    """A request the server cannot frame: answered with `status` and closed."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Incoming:
    method: str
    target: str
    headers: dict[str, str]      # names lower case; repeated fields joined with ", "
    body: bytes


class HttpConnection:
    def __init__(self, sock: socket.socket, max_body: int, methods: frozenset[str]):
        self.sock = sock
        self.max_body = max_body
        self.methods = methods
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self._head = bytearray()  # raw bytes of the head being read (h11 hides repeated lengths)
        self.method = ""

    # -- reading ---------------------------------------------------------------------------------
    def _receive(self) -> None:
        _quick_ack(self.sock)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            if self.h11.their_state is h11.IDLE and not self._head:
                data = b""          # an idle keep-alive connection: close it quietly
            else:
                raise FramingError(408, "RequestTimeout", "The client did not send the whole request in time.")
        except (ssl.SSLError, OSError):
            data = b""
        if self.h11.their_state is h11.IDLE and len(self._head) <= MAX_HEAD:
            self._head += data
        self.h11.receive_data(data)

    def _event(self):
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                status = 413 if exc.error_status_hint == 431 else 400
                raise FramingError(status, "BadRequest" if status == 400 else "RequestHeaderTooLarge",
                                   f"The request is not valid HTTP/1.1 ({exc}).") from None
            if event is h11.NEED_DATA:
                self._receive()
                continue
            return event

    def next_request(self) -> Incoming | None:
        """The next request on this connection, or None once the client has closed it."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            self._head = bytearray(self.h11.trailing_data[0])
        event = self._event()
        if isinstance(event, h11.ConnectionClosed):
            return None
        self.method = event.method.decode("ascii")
        self._check_head(event)
        body = bytearray()
        if self.h11.they_are_waiting_for_100_continue:
            self.sock.sendall(self.h11.send(h11.InformationalResponse(status_code=100, headers=[])))
        while not isinstance(event := self._event(), h11.EndOfMessage):
            if isinstance(event, h11.ConnectionClosed):
                raise FramingError(400, "BadRequest", "The client closed the connection before the body ended.")
            body += event.data
            if len(body) > self.max_body:
                raise _too_large(self.max_body)
        headers: dict[str, str] = {}
        for name, value in event_headers(self._request):
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return Incoming(self.method, self._request.target.decode("ascii"), headers, bytes(body))

    def _check_head(self, request: h11.Request) -> None:
        self._request = request
        if request.http_version not in (b"1.0", b"1.1"):
            raise FramingError(400, "BadRequest", f"HTTP/{request.http_version.decode()} is not supported "
                                                  "here; send HTTP/1.1.")
        if self.method not in self.methods:
            raise FramingError(400, "BadRequest", f"The HTTP method '{self.method}' is not supported.")
        head = bytes(self._head).lstrip(b"\r\n").split(b"\r\n\r\n", 1)[0]
        # h11 reads `Content-Length: 21, 21` or two equal lines as 21 (RFC 9110 §8.6 allows either);
        # front ends refuse them as request-smuggling material, and so do we.
        values = _LENGTH_FIELD.findall(head)
        if len(values) > 1 or b"," in b"".join(values):
            raise FramingError(400, "BadRequest", "The request has more than one Content-Length value.")
        if values and int(values[0]) > self.max_body:
            raise _too_large(self.max_body)

    # -- writing ---------------------------------------------------------------------------------
    def send(self, status: int, headers: dict[str, str], payload: bytes, *, close: bool = False,
             reason: str | None = None) -> None:
        """One response, head and body in one write (one TLS record, one read for the client)."""
        fields = [("Date", formatdate(usegmt=True)), ("Server", SERVER), *headers.items()]
        if not (self.method == "CONNECT" and 200 <= status < 300):
            fields.append(("Content-Length", str(len(payload))))
        if close:
            fields.append(("Connection", "close"))
        phrase = reason if reason is not None else _phrase(status)
        out = self.h11.send(h11.Response(status_code=status, headers=fields, reason=phrase.encode()))
        if self.h11.our_state is h11.SEND_BODY:
            if payload and self.method != "HEAD":
                out += self.h11.send(h11.Data(data=payload))
            out += self.h11.send(h11.EndOfMessage())
        self.sock.sendall(out)

    def send_error(self, err: FramingError, payload: bytes, headers: dict[str, str]) -> None:
        """Answer a request that could not be framed, then close after draining what the client still
        sends, so it reads the answer rather than a connection reset."""
        if self.h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return                  # a response already went out: nothing more can be said
        try:
            self.send(err.status, headers, payload, close=True)
            self.sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            self.sock.settimeout(1)
            while time.monotonic() < deadline and self.sock.recv(65536):
                pass
        except (OSError, ValueError, h11.LocalProtocolError):
            pass

    @property
    def must_close(self) -> bool:
        return self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE


def event_headers(request: h11.Request):
    return ((n.decode("latin-1"), v.decode("latin-1")) for n, v in request.headers)


def _too_large(limit: int) -> FramingError:
    return FramingError(413, "RequestEntityTooLarge",
                        f"The request content size exceeds the maximum allowed size of {limit} bytes.")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _quick_ack(sock: socket.socket) -> None:
    """urllib3 keeps Nagle on behind a proxy, so a POST body waits for our ACK: send it at once
    (Linux clears the flag after a while, so it is set again before every read)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except (AttributeError, OSError):
        pass
