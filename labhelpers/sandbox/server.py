"""Running the sandbox: `serve` in the foreground (the CLI), or `ensure_running` from the lab, which
starts it as a detached child process once per state dir and reuses it from every kernel after.

Lifecycle (issue #9):
- One server per state dir, whatever happened to sandbox.json: the server holds an exclusive fcntl
  lock on `server.lock` (which also names its pid) for as long as it runs; the OS releases it when
  the process dies, even by kill -9. sandbox.json is only the address book, rewritten if damaged.
- A sandbox the lab started lives on leases: every process that uses it (a kernel, `make run`, a
  test) holds a lock on its own file under `leases/` while it lives. Once no lease has been held for
  `LEASE_GRACE` seconds (a kernel restart takes less), the server stops. A server started by hand
  (`serve`) runs until stopped (`stop`, Ctrl-C, SIGTERM).
- It never outlives its state folder: once the folder is deleted or replaced, the server stops."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import timing
from .context import Config, Sandbox
from .files import private_dir, write_private
from .proxy import IDENTITY_PATH, SandboxServer
from .tls import ensure_tls

INFO_FILE = "sandbox.json"
LOCK_FILE = "server.lock"
LEASES = "leases"
LEASE_GRACE = 30.0               # seconds without any lease before a leased server stops
WATCH_INTERVAL = 0.5
log = logging.getLogger("labhelpers.sandbox")
# Variables that would send a client elsewhere or make DefaultAzureCredential pick another identity.
CLEARED = ("https_proxy", "http_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "ALL_PROXY",
           "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME",
           "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET",
           "AZURE_TOKEN_CREDENTIALS")


class AlreadyServing(RuntimeError):
    pass


class SandboxFailed(RuntimeError):
    """The sandbox could not be started; the message is one line a learner can act on."""


def serve(state_dir: Path, host: str = "127.0.0.1", port: int = 0, rbac_delay: float = 0.0,
          ready: threading.Event | None = None, lease_grace: float | None = None, **config) -> None:
    """Serve until stopped; with `lease_grace`, also stop once no lease was held for that long.
    `config`: the other Config fields (accept_newer_api_versions, timing, time_scale). Under the
    azure timing profile roles propagate with Azure's delay unless --rbac-delay says otherwise."""
    if config.get("timing") == "azure" and not rbac_delay:
        rbac_delay = timing.RBAC_DELAY * config.get("time_scale", 1.0)
    state_dir = private_dir(Path(state_dir).resolve())
    lock = _hold_server_lock(state_dir)
    inode = state_dir.stat().st_ino              # the folder this server serves, until it is deleted
    logging.basicConfig(filename=state_dir / "server.log", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    sb = Sandbox(state_dir, Config(rbac_delay=rbac_delay, **config))
    tls = ensure_tls(state_dir)
    server = SandboxServer(sb, (host, port), str(tls["cert"]), str(tls["key"]), state_dir / "requests.log")
    bound_host, bound_port = server.socket.getsockname()[:2]
    info = {"proxy_url": f"http://{bound_host}:{bound_port}",
            "identity_endpoint": f"http://{bound_host}:{bound_port}{IDENTITY_PATH}",
            "identity_header": sb.meta("identity_header"),
            "ca_bundle": str(tls["bundle"]), "ca_cert": str(tls["ca"]),
            "tenant_id": sb.tenant_id, "subscription_id": sb.main_subscription_id,
            "subscriptions": [s["subscription_id"] for s in sb.subscriptions()],
            "learner_object_id": sb.learner.object_id, "rbac_delay": rbac_delay,
            "pid": os.getpid(), "state_dir": str(state_dir)}
    _write_info(state_dir, info)
    stopping = threading.Event()

    def stop_serving(*_):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown).start()
    signal.signal(signal.SIGTERM, stop_serving)
    watchdog = threading.Thread(target=_watch, args=(state_dir, inode, info, lease_grace, stopping, stop_serving),
                                daemon=True)
    watchdog.start()
    if ready is not None:
        ready.set()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stopping.set()
        server.server_close()
        if _read_info(state_dir).get("pid") == os.getpid():
            (state_dir / INFO_FILE).unlink(missing_ok=True)
        lock.close()


def _hold_server_lock(state_dir: Path):
    lock = open(state_dir / LOCK_FILE, "a+")
    for _attempt in range(20):           # `server_pid` takes a shared lock for an instant: retry past it
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            time.sleep(0.05)
    else:
        lock.seek(0)
        pid = lock.read().strip()
        lock.close()
        raise AlreadyServing(f"A sandbox (pid {pid or '?'}) already serves {state_dir}; stop it with "
                             f"'python -m labhelpers.sandbox stop --state {state_dir}'.")
    lock.truncate(0)
    lock.write(str(os.getpid()))
    lock.flush()
    return lock


def _watch(state_dir: Path, inode: int, info: dict, lease_grace: float | None, stopping: threading.Event,
           stop) -> None:
    """Stop when the state folder goes or (leased) nobody uses the sandbox; mend a damaged sandbox.json."""
    last_used = time.monotonic()
    while not stopping.wait(WATCH_INTERVAL):
        try:
            gone = state_dir.stat().st_ino != inode or not (state_dir / "sandbox.db").exists()
        except OSError:
            gone = True
        if gone:
            log.info("the state folder %s was deleted: stopping", state_dir)
            stop()
            return
        if _read_info(state_dir) != info:
            log.info("sandbox.json was damaged or removed: writing it again")
            _write_info(state_dir, info)
        if lease_grace is not None:
            if _leases_held(state_dir):
                last_used = time.monotonic()
            elif time.monotonic() - last_used > lease_grace:
                log.info("no kernel or lab has used the sandbox for %.0f s: stopping", lease_grace)
                stop()
                return


def _write_info(state_dir: Path, info: dict) -> None:
    write_private(state_dir / INFO_FILE, json.dumps(info, indent=2).encode())   # holds the identity header


def _read_info(state_dir: Path) -> dict:
    try:
        info = json.loads((Path(state_dir) / INFO_FILE).read_text())
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def server_pid(state_dir: Path) -> int | None:
    """The pid of the server holding this state dir's lock, or None when no server runs."""
    try:
        with open(Path(state_dir) / LOCK_FILE) as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = lock.read().strip()
                return int(text) if text.isdigit() else None
            fcntl.flock(lock, fcntl.LOCK_UN)
            return None
    except OSError:
        return None


def running_info(state_dir: Path, wait: float = 5) -> dict | None:
    """The sandbox.json of the live server for this state dir, or None. A damaged or missing file
    is mended by the server within a second: wait for that."""
    deadline = time.monotonic() + wait
    while True:
        pid = server_pid(state_dir)
        if pid is None:
            return None
        info = _read_info(state_dir)
        if info.get("pid") == pid:
            return info
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


# -- leases: who uses a sandbox the lab started ------------------------------------------------------
_leases: dict[Path, tuple] = {}      # state dir → (locked file, its name)


def take_lease(state_dir: Path) -> None:
    """Mark this process as a user of the sandbox for as long as it lives (the OS drops the lock
    when it exits, however it exits). The file is locked before it appears under its name, so the
    server never mistakes a lease being taken for one whose process is gone."""
    state_dir = Path(state_dir).resolve()
    if state_dir in _leases:
        return
    folder = private_dir(state_dir) / LEASES
    folder.mkdir(mode=0o700, exist_ok=True)
    name = folder / str(os.getpid())
    lease = open(name.with_suffix(".tmp"), "w")
    fcntl.flock(lease, fcntl.LOCK_EX)
    os.replace(lease.name, name)
    _leases[state_dir] = (lease, name)


def drop_lease(state_dir: Path) -> None:
    held = _leases.pop(Path(state_dir).resolve(), None)
    if held is not None:
        lease, name = held
        name.unlink(missing_ok=True)
        lease.close()


def _leases_held(state_dir: Path) -> bool:
    held = False
    for path in (state_dir / LEASES).glob("*"):
        if path.suffix == ".tmp":
            continue
        try:
            with open(path) as lease:
                try:
                    fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    held = True
                    continue
            path.unlink(missing_ok=True)          # its process is gone
        except OSError:
            continue
    return held


def ensure_running(state_dir: Path, rbac_delay: float = 0.0, timeout: float = 60, timing_profile: str = "fast",
                   time_scale: float = 1.0) -> dict:
    """Reuse the sandbox serving this state dir, or start one detached from this process. This
    process takes a lease on it first, so the server lives as long as some user does. A lock makes
    kernels that start at the same moment share one server instead of starting two."""
    state_dir = private_dir(Path(state_dir).resolve())
    take_lease(state_dir)
    with open(state_dir / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return running_info(state_dir) or _start(state_dir, rbac_delay, timeout, timing_profile, time_scale)


def _start(state_dir: Path, rbac_delay: float, timeout: float, timing_profile: str = "fast",
           time_scale: float = 1.0) -> dict:
    args = [sys.executable, "-m", "labhelpers.sandbox", "serve", "--state", str(state_dir),
            "--leased", str(LEASE_GRACE)]
    if rbac_delay:
        args += ["--rbac-delay", str(rbac_delay)]
    if timing_profile != "fast":
        args += ["--timing", timing_profile, "--time-scale", str(time_scale)]
    with open(state_dir / "server.out", "ab") as out:
        out_start = out.tell()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = _read_info(state_dir)
        if info.get("pid") == proc.pid:
            return info
        if proc.poll() is not None:
            raise SandboxFailed(_failure_line(state_dir, out_start, proc.returncode))
        time.sleep(0.05)
    proc.kill()
    raise SandboxFailed(f"The sandbox did not become ready within {timeout:.0f} s; see {state_dir}/server.log")


def _failure_line(state_dir: Path, start: int, code: int) -> str:
    """What `serve` said as it failed: its one line for known failures, else where to look."""
    with open(state_dir / "server.out", "rb") as out:
        out.seek(start)
        lines = out.read().decode(errors="replace").strip().splitlines()
    if lines and not any(line.startswith("Traceback") for line in lines):
        return lines[-1]
    return f"The sandbox failed to start (exit {code}); the details are in {state_dir}/server.out."


def stop(state_dir: Path, timeout: float = 10) -> int | None:
    """Stop the server of this state dir (found by its lock, not by sandbox.json); its pid, or None."""
    drop_lease(state_dir)
    pid = server_pid(state_dir)
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)      # reap it if it is our child, or it lingers as a zombie
        except ChildProcessError:
            pass
        if server_pid(state_dir) != pid:
            return pid
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return pid


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
