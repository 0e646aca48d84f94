"""Running the sandbox: `serve` in the foreground (the CLI), or `ensure_running` from the lab, which
starts it as a detached child process once per state dir and reuses it from every kernel after."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import timing
from .context import Config, Sandbox
from .proxy import IDENTITY_PATH, SandboxServer
from .tls import ensure_tls

INFO_FILE = "sandbox.json"
# Variables that would send a client elsewhere or make DefaultAzureCredential pick another identity.
CLEARED = ("https_proxy", "http_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "ALL_PROXY",
           "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME",
           "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET",
           "AZURE_TOKEN_CREDENTIALS")


def serve(state_dir: Path, host: str = "127.0.0.1", port: int = 0, rbac_delay: float = 0.0,
          ready: threading.Event | None = None, **config) -> None:
    """`config`: the other Config fields (accept_newer_api_versions, timing, time_scale). Under the
    azure timing profile roles propagate with Azure's delay unless --rbac-delay says otherwise."""
    if config.get("timing") == "azure" and not rbac_delay:
        rbac_delay = timing.RBAC_DELAY * config.get("time_scale", 1.0)
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    info_path = state_dir / INFO_FILE
    info_path.unlink(missing_ok=True)            # a stale file from a killed server must not be trusted
    logging.basicConfig(filename=state_dir / "server.log", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    sb = Sandbox(state_dir, Config(rbac_delay=rbac_delay, **config))
    tls = ensure_tls(state_dir)
    server = SandboxServer(sb, (host, port), str(tls["cert"]), str(tls["key"]), state_dir / "requests.log")
    bound_host, bound_port = server.server_address[:2]
    info = {"proxy_url": f"http://{bound_host}:{bound_port}",
            "identity_endpoint": f"http://{bound_host}:{bound_port}{IDENTITY_PATH}",
            "identity_header": sb.meta("identity_header"),
            "ca_bundle": str(tls["bundle"]), "ca_cert": str(tls["ca"]),
            "tenant_id": sb.tenant_id, "subscription_id": sb.main_subscription_id,
            "subscriptions": [s["subscription_id"] for s in sb.subscriptions()],
            "learner_object_id": sb.learner.object_id, "rbac_delay": rbac_delay,
            "pid": os.getpid(), "state_dir": str(state_dir)}
    tmp = info_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2))
    tmp.chmod(0o600)                             # holds the identity header
    tmp.replace(info_path)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    if ready is not None:
        ready.set()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if _read_info(state_dir).get("pid") == os.getpid():
            info_path.unlink(missing_ok=True)


def _read_info(state_dir: Path) -> dict:
    try:
        return json.loads((Path(state_dir) / INFO_FILE).read_text())
    except (OSError, ValueError):
        return {}


def running_info(state_dir: Path) -> dict | None:
    """The sandbox.json of a live server for this state dir, or None."""
    info = _read_info(state_dir)
    if not info:
        return None
    try:
        os.kill(info["pid"], 0)
        host, port = info["proxy_url"].rsplit("//", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=1):
            return info
    except (OSError, KeyError, ValueError):
        return None


def ensure_running(state_dir: Path, rbac_delay: float = 0.0, timeout: float = 60, timing_profile: str = "fast",
                   time_scale: float = 1.0) -> dict:
    """Reuse the sandbox serving this state dir, or start one detached from this process. A lock
    makes kernels that start at the same moment share one server instead of starting two."""
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return running_info(state_dir) or _start(state_dir, rbac_delay, timeout, timing_profile, time_scale)


def _start(state_dir: Path, rbac_delay: float, timeout: float, timing_profile: str = "fast",
           time_scale: float = 1.0) -> dict:
    args = [sys.executable, "-m", "labhelpers.sandbox", "serve", "--state", str(state_dir)]
    if rbac_delay:
        args += ["--rbac-delay", str(rbac_delay)]
    if timing_profile != "fast":
        args += ["--timing", timing_profile, "--time-scale", str(time_scale)]
    with open(state_dir / "server.out", "ab") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = _read_info(state_dir)
        if info.get("pid") == proc.pid:
            return info
        if proc.poll() is not None:
            tail = (state_dir / "server.out").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"The sandbox failed to start (exit {proc.returncode}):\n{tail}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"The sandbox did not become ready within {timeout:.0f} s; see {state_dir}/server.log")


def stop(state_dir: Path, timeout: float = 10) -> None:
    info = running_info(state_dir)
    if not info:
        return
    pid = info["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)      # reap it if it is our child, or it lingers as a zombie
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def client_env(info: dict) -> dict[str, str | None]:
    """The environment a client needs to reach this sandbox and nothing else (None = unset)."""
    env: dict[str, str | None] = {name: None for name in CLEARED}
    env.update({
        "HTTPS_PROXY": info["proxy_url"],
        "NO_PROXY": "127.0.0.1,localhost",
        # requests reads REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, aiohttp and OpenSSL read SSL_CERT_FILE (wire §1)
        "REQUESTS_CA_BUNDLE": info["ca_bundle"],
        "CURL_CA_BUNDLE": info["ca_bundle"],
        "SSL_CERT_FILE": info["ca_bundle"],
        "IDENTITY_ENDPOINT": info["identity_endpoint"],
        "IDENTITY_HEADER": info["identity_header"],
        "AZURE_SUBSCRIPTION_ID": info["subscription_id"],
        "AZURE_TENANT_ID": info["tenant_id"],
    })
    return env


def apply_env(env: dict[str, str | None], environ=os.environ) -> None:
    for name, value in env.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
