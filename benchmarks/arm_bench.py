"""p50/p99 of an authorised ARM GET through the sandbox, beside a bare local TLS round trip to a
trivial HTTPS server measured in the same run, and the sandbox's peak RSS.
Targets (platform issue): p50 ≤ 2× bare, p99 ≤ 25 ms, RSS ≤ 200 MB."""
from __future__ import annotations

import http.server
import socket
import ssl
import statistics
import sys
import threading
import time
from pathlib import Path

import requests
from azure.identity import DefaultAzureCredential

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import peak_rss_mb, running_sandbox  # noqa: E402

N = 500


def timed(fn, n=N) -> list[float]:
    for _ in range(20):        # warm up: connections, tunnels, token cache
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def pct(samples, p) -> float:
    return statistics.quantiles(samples, n=100)[p - 1]


class Trivial(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class NoDelayServer(http.server.ThreadingHTTPServer):
    """The floor gets the same socket tuning as the sandbox (no Nagle delay on small replies)."""

    def get_request(self):
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


def main() -> int:
    with running_sandbox() as info:
        token = DefaultAzureCredential().get_token("https://management.azure.com/.default").token
        # Both sessions are configured explicitly, so neither pays for reading proxy variables per call.
        arm = requests.Session()
        arm.trust_env = False
        arm.proxies = {"https": info["proxy_url"]}
        arm.verify = info["ca_bundle"]
        arm.headers["Authorization"] = f"Bearer {token}"
        url = f"https://management.azure.com/subscriptions/{info['subscription_id']}?api-version=2022-12-01"
        assert arm.get(url).status_code == 200
        sandbox = timed(lambda: arm.get(url))

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        state = Path(info["state_dir"])
        ctx.load_cert_chain(state / "tls.pem", state / "tls.key")
        httpd = NoDelayServer(("127.0.0.1", 0), Trivial)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        bare_session = requests.Session()
        bare_session.trust_env = False
        bare_session.verify = info["ca_cert"]
        port = httpd.server_address[1]
        # The served certificate names management.azure.com; connect by IP and check that name.
        from requests.adapters import HTTPAdapter

        class Named(HTTPAdapter):
            def init_poolmanager(self, *a, **kw):
                kw["assert_hostname"] = "management.azure.com"
                kw["server_hostname"] = "management.azure.com"
                return super().init_poolmanager(*a, **kw)
        bare_session.mount("https://", Named())
        bare = timed(lambda: bare_session.get(f"https://127.0.0.1:{port}/"))
        httpd.shutdown()
        rss = peak_rss_mb(info["pid"])

    p50, p99, b50, b99 = pct(sandbox, 50), pct(sandbox, 99), pct(bare, 50), pct(bare, 99)
    print(f"authorised ARM GET via sandbox : p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   (n={N})")
    print(f"bare local TLS round trip      : p50 {b50:6.2f} ms   p99 {b99:6.2f} ms   (n={N})")
    print(f"ratio p50                      : {p50 / b50:.2f}x   (target ≤ 2x)")
    print(f"sandbox peak RSS               : {rss:.1f} MB   (target ≤ 200 MB)")
    ok = p50 <= 2 * b50 and p99 <= 25 and rss <= 200
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
