"""A real JupyterHub for tests and benchmarks: the shipped jupyterhub/jupyterhub_config.py with, on
top, DummyAuthenticator and JupyterHub's SimpleLocalProcessSpawner (every learner's home a temp dir),
loopback ports, and a test service holding an admin token. Learners' notebooks run cell by cell in
kernels of their own servers, over the Jupyter Server REST and websocket APIs, with their own tokens."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import requests

from labhelpers.classroom.scopes import SERVICE_NAME
from labhelpers.sandbox import server as sandbox_server

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "jupyterhub" / "jupyterhub_config.py"
PASSWORD = "class-of-40"
PROXY = ROOT / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"

TEST_CONFIG = """
c = get_config()
load_subconfig({shipped!r})
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.environment = dict(c.Spawner.environment, CMKLAB_HEADLESS="1")
c.Spawner.args = ["--ServerApp.allow_root=True"] if {root!r} else []
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = {state!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {state!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {state!r} + "/cookie_secret"
c.JupyterHub.services.append({{"name": "class-test", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "class-test", "services": ["class-test"],
    "scopes": ["admin:users", "admin:servers", "tokens", "read:groups"]}})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    def __init__(self, state: Path, instructors: list[str]):
        self.state = state
        self.homes = state / "homes"
        self.homes.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = uuid.uuid4().hex
        self.instructors = instructors
        self.proc: subprocess.Popen | None = None

    @property
    def service_url(self) -> str:
        return f"{self.url}/services/{SERVICE_NAME}/"

    def start(self, timeout: float = 90) -> Hub:
        config = self.state / "jupyterhub_config.py"
        config.write_text(TEST_CONFIG.format(
            shipped=str(SHIPPED_CONFIG), password=PASSWORD, homes=str(self.homes), root=os.geteuid() == 0,
            port=self.port, hub_port=free_port(), proxy_api_port=free_port(), state=str(self.state),
            admin_token=self.admin_token))
        env = dict(os.environ, CMKLAB_INSTRUCTORS=",".join(self.instructors),
                   CMKLAB_PROGRESS_PORT=str(free_port()), CMKLAB_PROGRESS_DB=str(self.state / "progress.sqlite"))
        for name in ("CMKLAB_HOME", "CMKLAB_HEADLESS", "JUPYTERHUB_API_TOKEN", "CMKLAB_PROGRESS_URL"):
            env.pop(name, None)
        log = open(self.state / "hub.log", "ab")
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
                                     cwd=self.state, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the hub exited:\n" + self.log()[-4000:])
            try:
                if requests.get(f"{self.service_url}api/progress", timeout=2).status_code == 403:
                    return self                      # hub, proxy and service all answer
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the hub did not come up:\n" + self.log()[-4000:])

    def log(self) -> str:
        return (self.state / "hub.log").read_text(errors="replace")

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/hub/api/{path}", timeout=30,
                                headers={"Authorization": f"token {token or self.admin_token}"}, **kwargs)

    def add_learner(self, name: str) -> str:
        """Create the user, start their server, and return a token of theirs (as a learner would
        create on the hub's token page)."""
        if self.api("GET", f"users/{name}").status_code == 404:
            self.api("POST", f"users/{name}").raise_for_status()
        self.api("POST", f"users/{name}/server").raise_for_status()
        deadline = time.monotonic() + 90
        while not self.api("GET", f"users/{name}").json().get("servers", {}).get("", {}).get("ready"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}'s server did not start:\n" + self.log()[-4000:])
            time.sleep(0.3)
        response = self.api("POST", f"users/{name}/tokens", json={"note": "class test", "expires_in": 3600})
        response.raise_for_status()
        return response.json()["token"]

    def browser(self, name: str) -> requests.Session:
        """A browser session signed in through the hub's login form."""
        session = requests.Session()
        form = session.get(f"{self.url}/hub/login", timeout=30).text
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
        session.post(f"{self.url}/hub/login", data={"username": name, "password": PASSWORD, "_xsrf": xsrf},
                     timeout=30).raise_for_status()
        return session

    def home(self, name: str) -> Path:
        return self.homes / name

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        for home in self.homes.iterdir() if self.homes.exists() else ():
            sandbox_server.stop(home / ".cmklab" / "sandbox")      # the lab's sandbox outlives kernels


def lesson_cells(notebook: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]


class KernelSession:
    """A notebook open in a learner's own server (Jupyter Server's sessions API) and its kernel's
    channels over the websocket, with the learner's token: what JupyterLab does for an open notebook."""

    def __init__(self, hub: Hub, user: str, token: str, path: str):
        self.base = f"{hub.url}/user/{user}/api"
        self.headers = {"Authorization": f"token {token}"}
        self.user, self.path = user, path
        self.session: dict = {}
        self.ws = None

    async def __aenter__(self) -> KernelSession:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect
        response = await asyncio.to_thread(requests.post, f"{self.base}/sessions", headers=self.headers, timeout=60,
                                           json={"path": self.path, "name": self.path, "type": "notebook",
                                                 "kernel": {"name": "python3"}})
        response.raise_for_status()
        self.session = response.json()
        self.ws = await websocket_connect(HTTPRequest(
            f"{self.base.replace('http', 'ws', 1)}/kernels/{self.session['kernel']['id']}/channels"
            f"?session_id={uuid.uuid4().hex}", headers=self.headers,
            connect_timeout=180, request_timeout=180))      # the server answers once the kernel is up: a busy machine
        return self

    async def execute(self, source: str, timeout: float = 300) -> list[str]:
        """Run one cell; the errors it raised (empty: it ran through)."""
        msg_id = uuid.uuid4().hex
        self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.user, "session": msg_id,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        errors = []
        while True:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout)
            if raw is None:
                raise RuntimeError(f"{self.user}'s kernel closed its channels during {self.path}")
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "error":
                errors.append(f"{self.path}: {message['content']['ename']}: {message['content']['evalue']}")
            if message["msg_type"] == "execute_reply":
                return errors

    async def __aexit__(self, *exc) -> None:
        self.ws.close()
        await asyncio.to_thread(requests.delete, f"{self.base}/sessions/{self.session['id']}", headers=self.headers,
                                timeout=60)


async def run_in_server(hub: Hub, user: str, token: str, notebook: str, timeout: float = 300) -> list[str]:
    """Open `notebook` (in the learner's copy) in a kernel of their own server and run its code cells
    in order, as Run All does; return the errors (empty: it ran through)."""
    path = f"cmklab/notebooks/{notebook}.ipynb"
    async with KernelSession(hub, user, token, path) as kernel:
        for source in lesson_cells(hub.home(user) / path):
            errors = await kernel.execute(source, timeout)
            if errors:
                return errors
    return []
