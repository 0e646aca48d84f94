"""A learner's JupyterLab, driven in a real browser (Playwright for Python on Debian's Chromium; no
browser download): JupyterLab started on a temporary home, port and token on 127.0.0.1, serving a copy
of notebooks/, with the lab's own sandbox. What Galata does for JupyterLab's own tests, in small:
the app is exposed in the page (`expose_app_in_browser`), cells run through JupyterLab's commands, and
the test waits on the notebook's own state (execution prompts), never on fixed sleeps."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from labhelpers.sandbox import server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# kept on failure (runs/ is not committed; .ci/run lists them when `make test` fails)
SCREENSHOTS = Path(os.environ.get("CMKLAB_UI_SCREENSHOTS", ROOT / "runs" / "ui-screenshots"))
# A managed identity that is not there: azure-identity asks this address instead of the instance
# metadata service (AZURE_POD_IDENTITY_AUTHORITY_HOST), so "no sign-in" is found without leaving loopback.
NO_MANAGED_IDENTITY = "http://127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class JupyterLab:
    url: str
    token: str
    root: Path          # the notebooks it serves (a copy)
    home: Path          # $CMKLAB_HOME of its kernels
    log: Path

    def lab_state(self) -> dict:
        return json.loads((self.home / "lab.json").read_text())


def clean_env(**extra: str) -> dict:
    """This process's environment less any sandbox, proxy or lab setting."""
    drop = set(server.client_env({"proxy_url": "", "identity_endpoint": "", "identity_header": "",
                                  "ca_bundle": "", "subscription_id": "", "tenant_id": ""}))
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("CMKLAB_", "JUPYTER"))
           and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
    return {**env, **extra}


@contextmanager
def jupyter_lab(base: Path, rbac_delay: float = 0, extra: dict | None = None):
    """JupyterLab on a free loopback port with a token, a temporary home, and a copy of the notebooks
    (plus `extra` ones, by name)."""
    root, home, user = base / "notebooks", base / "cmklab", base / "user"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".*"))
    for name, nb in (extra or {}).items():
        nbformat.write(nb, root / f"{name}.ipynb")
    user.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    env = clean_env(HOME=str(user), JUPYTER_CONFIG_DIR=str(user / ".jupyter"), IPYTHONDIR=str(user / ".ipython"),
                    JUPYTER_RUNTIME_DIR=str(user / "runtime"), CMKLAB_HOME=str(home),
                    CMKLAB_RBAC_DELAY=str(rbac_delay), AZURE_POD_IDENTITY_AUTHORITY_HOST=NO_MANAGED_IDENTITY,
                    PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    settings = user / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    _write_settings(settings / "notebook-extension" / "tracker.jupyterlab-settings",
                    {"windowingMode": "none"})              # every cell in the page, as a learner scrolls to it
    _write_settings(settings / "apputils-extension" / "notification.jupyterlab-settings",
                    {"fetchNews": "false", "checkForUpdates": False})
    log = base / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--ServerApp.terminals_enabled=False"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = JupyterLab(f"http://127.0.0.1:{port}", token, root, home, log)
    try:
        _wait_ready(lab, process)
        yield lab
    finally:
        process.terminate()                  # JupyterLab shuts its kernels down on SIGTERM
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server.stop(home / "sandbox")        # and no sandbox outlives the test


def _write_settings(path: Path, values: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


def _wait_ready(lab: JupyterLab, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({process.returncode}):\n{lab.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={lab.token}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{lab.log.read_text()[-3000:]}")


@dataclass
class Console:
    """What the page said on its console and what it threw: a learner's browser must stay quiet."""
    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))


# -- driving JupyterLab in the page, through its own commands and models ---------------------------
_PANEL = "window.jupyterapp.shell.currentWidget"

_KERNEL_IDLE = f"""() => {{
  const panel = {_PANEL};
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
                 && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && panel.content.widgets.length > 0;
}}"""

_CELLS = f"""() => {{
  const cells = [];
  for (const cell of {_PANEL}.content.model.cells) {{
    if (cell.type !== 'code') continue;
    cells.push({{source: cell.sharedModel.getSource(), count: cell.executionCount,
                outputs: cell.outputs.toJSON()}});
  }}
  return cells;
}}"""


def open_lab(page, lab: JupyterLab) -> None:
    page.goto(f"{lab.url}/lab?token={lab.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined")
    page.locator(".jp-DirListing-item").first.wait_for()


def file_browser_notebooks(page) -> list[str]:
    """The notebooks as the file browser lists them, top to bottom."""
    names = page.locator(".jp-DirListing-item .jp-DirListing-itemText").all_inner_texts()
    return [Path(n).stem for n in names if n.endswith(".ipynb")]


def open_notebook(page, name: str) -> None:
    """Double-click it in the file browser, as a learner does, and wait for its kernel."""
    page.locator(".jp-DirListing-item", has_text=f"{name}.ipynb").dblclick()
    page.wait_for_function(f"() => {_PANEL} && {_PANEL}.context && {_PANEL}.context.path === '{name}.ipynb'")
    page.wait_for_function(_KERNEL_IDLE, timeout=60_000)


def start_run_all(page) -> None:
    page.evaluate("""() => { window.__ran = undefined;
      window.jupyterapp.commands.execute('notebook:run-all-cells').then(ok => { window.__ran = ok; }); }""")


def wait_run_all(page, timeout_s: float = 240) -> list[dict]:
    page.wait_for_function("() => window.__ran !== undefined", timeout=timeout_s * 1000)
    page.wait_for_function(_KERNEL_IDLE)
    return page.evaluate(_CELLS)


def run_cell(page, source: str) -> None:
    """Run the code cell whose source starts with `source`, and wait until it is done."""
    page.evaluate(f"""async (source) => {{
      const notebook = {_PANEL}.content;
      notebook.activeCellIndex = notebook.widgets.findIndex(
        c => c.model.type === 'code' && c.model.sharedModel.getSource().startsWith(source));
      await window.jupyterapp.commands.execute('notebook:run-cell');
    }}""", source)
    page.wait_for_function(_KERNEL_IDLE)


def code_cell_output(page, source: str):
    """The output area of the code cell whose source starts with `source`."""
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea-editor", has_text=source))
    return cell.locator(".jp-OutputArea")


def eventually(condition, timeout: float = 30) -> None:
    """Wait until condition() holds: the kernel saves a choice a moment after the browser sent it."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {condition}")
        time.sleep(0.2)


def close_notebook(page) -> None:
    """Save, shut its kernel down and close it, so kernels don't pile up."""
    page.evaluate(f"""async () => {{
      const panel = {_PANEL};
      await panel.context.save();
      await panel.sessionContext.shutdown();
      panel.close();
    }}""")


def problems(cells: list[dict]) -> list[str]:
    """Cells that did not run, or left an error or anything on stderr: what a learner must never see."""
    found = []
    for i, cell in enumerate(cells):
        first = cell["source"].splitlines()[0] if cell["source"] else ""
        if cell["count"] is None:
            found.append(f"code cell {i} ({first}) did not run")
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                found.append(f"code cell {i} ({first}): {output['ename']}: {output['evalue']}")
            elif output["output_type"] == "stream" and output["name"] == "stderr":
                found.append(f"code cell {i} ({first}) wrote to stderr: {''.join(output['text'])[:300]}")
    return found


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
