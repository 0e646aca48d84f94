"""What a learner sees when the sandbox is gone or its state is damaged: one line that says what
happened and what to run, in a real IPython shell and in a check, never a traceback."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from IPython.core.interactiveshell import InteractiveShell

from conftest import ROOT
from labhelpers import checks, connection, session
from labhelpers.errors import SandboxUnavailable
from labhelpers.sandbox import server


@pytest.fixture
def fresh_state(lab_home):
    state = lab_home / "sandbox"
    connection.leave_sandbox()
    server.stop(state)
    shutil.rmtree(state, ignore_errors=True)
    yield state
    connection.leave_sandbox()
    server.stop(state)
    shutil.rmtree(state, ignore_errors=True)


def damage(state):
    state.mkdir(parents=True, exist_ok=True)
    (state / "sandbox.db").write_bytes(b"this is not a database" * 100)


def test_a_damaged_state_gives_one_line_at_setup(fresh_state):
    damage(fresh_state)
    with pytest.raises(SandboxUnavailable) as caught:
        connection.connect("sandbox")
    shown = caught.value._render_traceback_()
    assert len(shown) == 1
    assert "damaged" in shown[0] and f"mv {fresh_state}" in shown[0] and "00-setup" in shown[0]


@pytest.mark.parametrize("command", [["serve"], ["advance", "P1D"], ["audit"]])
def test_a_damaged_state_gives_one_line_at_the_command_line(fresh_state, command):
    damage(fresh_state)
    name, *rest = command
    r = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", name, "--state", str(fresh_state), *rest],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "damaged" in r.stderr


def kill_sandbox(state) -> None:
    os.kill(server.server_pid(state), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server.server_pid(state) is not None and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_lost_sandbox_gives_one_line_in_ipython(fresh_state, capsys):
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from labhelpers import connection\nconnection.connect('sandbox')\n"
                       "from azure.identity import DefaultAzureCredential\n"
                       "from azure.mgmt.resource.subscriptions import SubscriptionClient\n"
                       "client = SubscriptionClient(DefaultAzureCredential())\n"
                       "print(len(list(client.subscriptions.list())))")
        assert capsys.readouterr().out.strip().endswith("2")
        kill_sandbox(fresh_state)
        result = shell.run_cell("list(client.subscriptions.list())")
        out = capsys.readouterr().out
        assert not result.success
        assert connection.LOST_SANDBOX in out and "Traceback" not in out
        assert len(out.strip().splitlines()) == 1
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()


def test_a_lost_sandbox_gives_one_line_in_a_check(fresh_state):
    session.setup(mode="sandbox")
    kill_sandbox(fresh_state)
    result = checks.evaluate("01-resource-group")
    assert not result.passed
    assert [line.advice for line in result.lines if not line.ok] == [connection.LOST_SANDBOX]
