"""Who starts and stops a sandbox: one server per state dir (a lock, not sandbox.json), `stop`,
leases that end a lab-started sandbox once nobody uses it, never outliving its state folder, and
secrets on disk readable by their owner only."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time

from conftest import ROOT, SandboxHandle, sandbox_processes
from labhelpers.sandbox import server


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labhelpers.sandbox", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_stop_command_stops_the_server(tmp_path):
    handle = SandboxHandle(tmp_path / "s").start()
    try:
        r = cli("stop", "--state", str(handle.state_dir))
        assert r.returncode == 0 and f"pid {handle.proc.pid}" in r.stdout
        handle.proc.wait(10)
        assert server.running_info(handle.state_dir) is None
        r = cli("stop", "--state", str(handle.state_dir))
        assert r.returncode == 0 and "No sandbox is running" in r.stdout
    finally:
        handle.stop()


def test_one_server_per_state_dir_whatever_happened_to_sandbox_json(tmp_path):
    handle = SandboxHandle(tmp_path / "s").start()
    try:
        info = handle.state_dir / "sandbox.json"
        info.unlink()
        r = cli("serve", "--state", str(handle.state_dir))       # a second server on the same state
        assert r.returncode == 1 and "already serves" in r.stderr and "stop --state" in r.stderr
        info.write_text("{damaged")
        found = server.ensure_running(handle.state_dir)          # a kernel finds the first one
        assert found["pid"] == handle.proc.pid
        assert sandbox_processes(handle.state_dir) == [handle.proc.pid]
    finally:
        server.drop_lease(handle.state_dir)
        handle.stop()


def test_a_leased_sandbox_stops_once_nobody_uses_it(tmp_path):
    state = tmp_path / "s"
    kernel = subprocess.Popen([sys.executable, "-c", "import sys; from labhelpers.sandbox import server; "
                               "server.take_lease(sys.argv[1]); print('ok', flush=True); sys.stdin.readline()", str(state)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert kernel.stdout.readline().strip() == "ok"
    proc = subprocess.Popen([sys.executable, "-m", "labhelpers.sandbox", "serve", "--state", str(state),
                             "--leased", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: server.running_info(state, wait=0) is not None, 30)
        time.sleep(2)
        assert proc.poll() is None, "the sandbox stopped while a kernel still used it"
        kernel.stdin.close()                  # the kernel ends (as by kill -9 too: the OS drops its lock)
        kernel.wait(10)
        proc.wait(10)
        assert not (state / "leases" / str(kernel.pid)).exists()
    finally:
        kernel.kill()
        proc.kill()


def test_the_lab_started_sandbox_ends_with_its_last_kernel(tmp_path):
    code = "import sys; from labhelpers.sandbox import server; print(server.ensure_running(sys.argv[1])['pid'])"
    pid = int(subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout)
    assert server.server_pid(tmp_path) == pid
    assert wait_until(lambda: server.server_pid(tmp_path) is None, server.LEASE_GRACE + 10)


def test_a_sandbox_never_outlives_its_state_folder(tmp_path):
    handle = SandboxHandle(tmp_path / "s").start()
    try:
        shutil.rmtree(handle.state_dir)
        handle.proc.wait(10)
    finally:
        handle.stop()


def test_secrets_on_disk_are_the_owners_only(tmp_path):
    state = tmp_path / "s"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)                    # made before the rule, as an old lab home would be
    info = server.ensure_running(state)
    try:
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        for name in ("sandbox.db", "sandbox.db-wal", "sandbox.db-shm", "sandbox.json", "token-signing.key",
                     "ca.key", "tls.key"):
            assert stat.S_IMODE((state / name).stat().st_mode) == 0o600, name
        assert info["pid"] == server.server_pid(state)
    finally:
        server.stop(state)
