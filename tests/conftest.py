"""Test fixtures: real sandbox servers (subprocesses) that the real SDK clients reach over HTTPS
through the proxy, exactly as a learner's kernel does. Nothing here mocks the SDK or its transport."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers import make_group
from labhelpers import connection
from labhelpers.sandbox import server
from labhelpers.sandbox.context import Sandbox

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_VARS = set(server.client_env({"proxy_url": "", "identity_endpoint": "", "identity_header": "",
                                      "ca_bundle": "", "subscription_id": "", "tenant_id": ""}))


class SandboxHandle:
    """A sandbox server for one state dir, and what a test needs to talk to it."""

    def __init__(self, state_dir: Path, *extra_args: str):
        self.state_dir = Path(state_dir)
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self._sb: Sandbox | None = None

    def start(self) -> SandboxHandle:
        args = [sys.executable, "-m", "labhelpers.sandbox", "serve", "--state", str(self.state_dir), *self.extra_args]
        self.state_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.state_dir / "server.out", "ab")
        self.proc = subprocess.Popen(args, stdout=out, stderr=out, stdin=subprocess.DEVNULL, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            info = server._read_info(self.state_dir)
            if info.get("pid") == self.proc.pid:
                self.info = info
                return self
            if self.proc.poll() is not None:
                raise RuntimeError((self.state_dir / "server.out").read_text()[-3000:])
            time.sleep(0.05)
        raise RuntimeError("sandbox did not start")

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(10)

    def restart(self, kill: bool = False) -> SandboxHandle:
        self.stop(kill=kill)
        return self.start()

    @property
    def env(self) -> dict[str, str | None]:
        return server.client_env(self.info)

    def activate(self) -> None:
        server.apply_env(self.env)

    @contextmanager
    def activated(self):
        saved = dict(os.environ)
        self.activate()
        try:
            yield self
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @property
    def subscription_id(self) -> str:
        return self.info["subscriptions"][0]

    @property
    def reader_subscription_id(self) -> str:
        return self.info["subscriptions"][1]

    @property
    def tenant_id(self) -> str:
        return self.info["tenant_id"]

    @property
    def learner_object_id(self) -> str:
        return self.info["learner_object_id"]

    @property
    def sb(self) -> Sandbox:
        if self._sb is None:
            self._sb = Sandbox(self.state_dir)
        return self._sb

    def credential(self):
        from azure.identity import DefaultAzureCredential
        return DefaultAzureCredential()

    def mi_credential(self, object_id: str):
        from azure.identity import ManagedIdentityCredential
        return ManagedIdentityCredential(identity_config={"object_id": object_id})

    def advance(self, duration: str) -> str:
        return subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "advance", "--state",
                               str(self.state_dir), duration], check=True, capture_output=True, text=True,
                              cwd=ROOT).stdout


def sandbox_processes(under: Path) -> list[int]:
    """Pids of sandbox servers whose state dir lies under `under` (this test session's temp dirs)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"labhelpers.sandbox" in args and b"serve" in args and b"--state" in args:
            state = args[args.index(b"--state") + 1].decode()
            if Path(state).resolve().is_relative_to(under.resolve()):
                found.append(int(proc.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def no_sandbox_outlives_the_tests(tmp_path_factory):
    """After the tests (nbval and `make run` among them) no sandbox they started is left running.
    Set up first, so it is checked after every other fixture has torn down."""
    base = tmp_path_factory.getbasetemp()
    yield
    deadline = time.monotonic() + server.LEASE_GRACE + 10
    while (left := sandbox_processes(base)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"sandbox servers left running after the tests: {left}"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """One sandbox per test worker; the process environment points every SDK client at it."""
    handle = SandboxHandle(tmp_path_factory.mktemp("sandbox")).start()
    handle.activate()
    yield handle
    handle.stop()


@pytest.fixture
def start_sandbox(tmp_path_factory):
    """Factory for a sandbox of a test's own (clock moves, restarts, --rbac-delay)."""
    started: list[SandboxHandle] = []

    def start(*extra_args: str) -> SandboxHandle:
        handle = SandboxHandle(tmp_path_factory.mktemp("own-sandbox"), *extra_args).start()
        started.append(handle)
        return handle
    yield start
    for handle in started:
        handle.stop()


@pytest.fixture(scope="module")
def lab_home(tmp_path_factory):
    """A fresh $CMKLAB_HOME for this module; the process environment is restored afterwards, since
    connecting rewrites it (and other tests' sandbox lives in it)."""
    home = tmp_path_factory.mktemp("cmklab-home")
    saved = dict(os.environ)
    os.environ["CMKLAB_HOME"] = str(home)
    os.environ.pop("CMKLAB_HEADLESS", None)
    for name in SANDBOX_VARS:                 # a learner's kernel: no sandbox exported in its environment
        os.environ.pop(name, None)
    try:
        yield home
    finally:
        connection.leave_sandbox()
        server.stop(home / "sandbox")
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def group(sandbox):
    """A resource group of the module's own, in eastus: its name."""
    return make_group(sandbox)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (no browser download). `make test` installs it when it is
    missing; without root that cannot happen, and only then are the browser tests skipped. Per module:
    Playwright's sync API runs an event loop in the thread while it lives, and asyncio.run() in the
    tests that a worker runs after the browser tests must find none."""
    from browser import CHROMIUM, CHROMIUM_ARGS
    if not CHROMIUM.exists():
        if os.geteuid() == 0:
            pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium first")
        pytest.skip(f"{CHROMIUM} is missing and installing it needs root: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def console():
    """The browser console's messages of a browser module's page."""
    from browser import Console
    return Console()


@pytest.fixture(scope="module")
def page(chromium, lab, console):
    """A page on the module's JupyterLab (its own `lab` fixture) with the lab open, its console recorded."""
    from browser import open_lab
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    console.attach(page)
    open_lab(page, lab)
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test keeps a screenshot of its page, and names the file in its report."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if report.when == "call" and report.failed else None
    if page is not None:
        from browser import screenshot
        try:
            path = screenshot(page, item.name)
        except Exception as exc:                   # a closed page: the failure itself still reports
            report.sections.append(("screenshot", f"none: {exc}"))
        else:
            report.sections.append(("screenshot", f"kept at {path}"))
            print(f"\nscreenshot of the failed page: {path}")
