"""HTTP framing at the proxy and inside its TLS tunnels, over raw sockets: whatever bytes a client
sends, it gets an answer with a proper status line and an Azure-shaped JSON error, never a dropped
connection; bodies are limited while they are read; keep-alive, pipelining and trailers work."""
from __future__ import annotations

import json
import socket
import ssl
import time

import h11
import pytest

ARM_HOST = "management.azure.com"
LIST = b"/subscriptions?api-version=2022-12-01"


def proxy_address(sandbox) -> tuple[str, int]:
    host, port = sandbox.info["proxy_url"].rsplit("/", 1)[1].split(":")
    return host, int(port)


def tunnel(sandbox, host: str = ARM_HOST) -> ssl.SSLSocket:
    raw = socket.create_connection(proxy_address(sandbox), timeout=30)
    raw.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += raw.recv(1)
    assert head.startswith(b"HTTP/1.1 200 Connection Established\r\n"), head
    ctx = ssl.create_default_context(cafile=sandbox.info["ca_cert"])
    return ctx.wrap_socket(raw, server_hostname=host)


def responses(sock, count: int = 1) -> list[tuple[h11.Response, bytes]]:
    """Read `count` responses with h11's client side; fails if the server drops the connection."""
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))   # for h11's state only
    client.send(h11.EndOfMessage())
    out: list[tuple[h11.Response, bytes]] = []
    head, body = None, b""
    while len(out) < count:
        event = client.next_event()
        if event is h11.NEED_DATA:
            data = sock.recv(65536)
            assert data or head is not None, "the server closed the connection without an answer"
            client.receive_data(data)
        elif isinstance(event, h11.Response):
            head, body = event, b""
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            out.append((head, body))
            if len(out) < count:
                client.start_next_cycle()
                client.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
                client.send(h11.EndOfMessage())
        elif isinstance(event, h11.ConnectionClosed):
            raise AssertionError("the connection closed before all answers came")
    return out


def closed_after(sock) -> bool:
    sock.settimeout(15)
    try:
        return sock.recv(1) == b""
    except (ConnectionError, ssl.SSLError):
        return True


def assert_azure_error(resp: h11.Response, body: bytes, status: int) -> dict:
    assert resp.status_code == status, (resp, body)
    assert resp.reason, "a status line carries its reason phrase"
    assert dict(resp.headers)[b"content-type"].startswith(b"application/json")
    error = json.loads(body)["error"]
    assert error["code"] and error["message"]
    return error


MALFORMED = {
    "length not a number": b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n{}",
    "negative length": b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n{}",
    "length list": b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\n{}",
    "two length lines": b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    "chunk size zz": b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "chunk size -1": b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n",
    "HTTP/0.9": b"GET /\r\n\r\n",
    "HTTP/2.0": b"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    "header line without a colon": b"GET / HTTP/1.1\r\nHost: h\r\nno colon here\r\nAuthorization: x\r\n\r\n",
    "unknown method": b"FROB / HTTP/1.1\r\nHost: h\r\n\r\n",
    "missing Host": b"GET / HTTP/1.1\r\n\r\n",
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_request_in_a_tunnel_gets_400(sandbox, name):
    with tunnel(sandbox) as sock:
        sock.sendall(MALFORMED[name])
        [(resp, body)] = responses(sock)
        assert_azure_error(resp, body, 400)
        assert closed_after(sock)


@pytest.mark.parametrize("name", ["length not a number", "HTTP/0.9", "header line without a colon"])
def test_malformed_request_at_the_proxy_port_gets_400(sandbox, name):
    with socket.create_connection(proxy_address(sandbox), timeout=30) as sock:
        sock.sendall(MALFORMED[name])
        [(resp, body)] = responses(sock)
        assert_azure_error(resp, body, 400)


def test_client_closing_mid_body_gets_400(sandbox):
    """Over plain TCP a client can stop sending and still read: it gets the 400. Through TLS closing
    ends the tunnel (TLS has no half-close), and the server logs the refusal and carries on."""
    with socket.create_connection(proxy_address(sandbox), timeout=30) as sock:
        sock.sendall(b"POST /msi/token HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{\"a\":")
        sock.shutdown(socket.SHUT_WR)
        [(resp, body)] = responses(sock)
        assert_azure_error(resp, body, 400)
    log, noticed = sandbox.state_dir / "server.log", "without sending complete message body"
    before = log.read_text().count(noticed)
    with tunnel(sandbox) as sock:
        sock.sendall(b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{\"a\":")
    deadline = time.monotonic() + 10
    while log.read_text().count(noticed) == before:
        assert time.monotonic() < deadline, "the server did not notice the closed tunnel"
        time.sleep(0.1)


def test_declared_length_over_the_limit_is_413_before_the_body(sandbox):
    with tunnel(sandbox) as sock:
        sock.sendall(b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\n\r\n")
        [(resp, body)] = responses(sock)        # answered though not one body byte was sent
        assert_azure_error(resp, body, 413)


@pytest.mark.parametrize("size_line", [b"ffffffffffff", b"100000"])
def test_chunked_body_over_the_limit_is_413_while_reading(sandbox, size_line):
    """The limit holds for chunked bodies too, before the body ends (the final chunk never comes)."""
    chunk = b"x" * int(size_line, 16) if size_line == b"100000" else b"x" * (1 << 20)
    with tunnel(sandbox) as sock:
        sock.sendall(b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        if size_line == b"100000":
            for _ in range(5):                  # 5 × 1 MiB chunks > 4 MiB
                sock.sendall(size_line + b"\r\n" + chunk + b"\r\n")
        else:                                   # one chunk announcing 281 TB
            sock.sendall(size_line + b"\r\n")
            for _ in range(5):
                sock.sendall(chunk)
        [(resp, body)] = responses(sock)
        assert_azure_error(resp, body, 413)


def test_keep_alive_pipelining_and_chunk_trailers(sandbox):
    chunked = (b"POST " + LIST + b" HTTP/1.1\r\nHost: management.azure.com\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"2\r\n{}\r\n0\r\nX-Trailer: yes\r\n\r\n")
    plain = b"GET " + LIST + b" HTTP/1.1\r\nHost: management.azure.com\r\n\r\n"
    with tunnel(sandbox) as sock:
        sock.sendall(chunked + plain)            # pipelined: the GET follows the trailer at once
        answers = responses(sock, 2)
        for resp, body in answers:              # no token: ARM's 401, each in its own response
            assert_azure_error(resp, body, 401)
        sock.sendall(plain)                      # and the connection stays open for more
        [(resp, body)] = responses(sock)
        assert resp.status_code == 401


def test_the_server_survives_all_of_it(sandbox):
    for raw in MALFORMED.values():
        with tunnel(sandbox) as sock:
            sock.sendall(raw)
            responses(sock)
    with tunnel(sandbox) as sock:
        sock.sendall(b"GET " + LIST + b" HTTP/1.1\r\nHost: management.azure.com\r\n\r\n")
        [(resp, _)] = responses(sock)
        assert resp.status_code == 401
    time.sleep(0.2)
    assert "Traceback" not in (sandbox.state_dir / "server.out").read_text()
