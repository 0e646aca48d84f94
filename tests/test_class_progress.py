"""The class's progress without a hub: the kernel-side reporting (never slows or breaks a check), what
a report may carry, the store, the board from a folder of lab homes, and the shipped hub files'
agreement with the service."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from labhelpers.__main__ import main
from labhelpers.checks import Line, Result
from labhelpers.classroom import reporting
from labhelpers.classroom.records import Progress
from labhelpers.classroom.scopes import BOARD_SCOPE, SERVICE_NAME
from labhelpers.classroom.store import ProgressStore

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "learner-token-0123456789"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def result(name="01-key-vault", ok=False, when=None) -> Result:
    return Result(name, "Key vault", "all good", [
        Line(True, "soft delete", "on"),
        Line(ok, "purge protection", "off" if not ok else "on", "turn purge protection on")], "sandbox",
        checked_at=when or time.time())


class Service:
    """A loopback HTTP server standing in for the progress service; it can hold requests."""

    def __init__(self):
        self.received: list[tuple[dict, dict]] = []
        self.release = threading.Event()
        self.arrived = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.arrived.set()
                outer.release.wait(10)
                outer.received.append((dict(self.headers), body))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/{SERVICE_NAME}/"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CMKLAB_HOME", str(tmp_path))
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    return tmp_path


def test_a_report_never_makes_the_check_wait(hub_env, monkeypatch):
    service = Service()
    monkeypatch.setenv("CMKLAB_PROGRESS_URL", service.url)
    try:
        reporting.report(result().as_dict(), "01-create-key-vault")
        assert service.arrived.wait(10)            # the service holds the request ...
        assert not service.received                # ... and report() has returned all the same
        service.release.set()
        for thread in reporting._pending:
            thread.join(10)
        (headers, body), = service.received
        assert headers["Authorization"] == f"token {TOKEN}" and body["user"] == ""   # the hub says who
        assert body["check"] == "01-key-vault" and body["notebook"] == "01-create-key-vault"
        assert body["passed"] is False and body["red"] == [
            {"what": "purge protection", "detail": "off", "fix": "turn purge protection on"}]
        assert TOKEN not in json.dumps(body)
    finally:
        service.close()


def test_a_service_that_is_down_is_logged_and_forgotten(hub_env, monkeypatch):
    service = Service()
    url = service.url
    service.close()                                # nothing listens there any more
    monkeypatch.setenv("CMKLAB_PROGRESS_URL", url)
    reporting.report(result().as_dict(), "01-create-key-vault")
    for thread in reporting._pending:
        thread.join(10)
    log = (hub_env / "progress.log").read_text()
    assert "could not report to" in log and "api/progress" in log and TOKEN not in log


def test_outside_a_hub_nothing_is_sent(hub_env, monkeypatch):
    monkeypatch.delenv("CMKLAB_PROGRESS_URL", raising=False)
    assert reporting.target() is None
    reporting.report(result().as_dict(), "01-create-key-vault")
    assert not (hub_env / "progress.log").exists()


def test_a_report_never_carries_a_secret():
    leaky = result()
    leaky.lines[1].detail = f"Azure answered 401: bearer {JWT} was refused; ?sig=abcdef&x=1"
    record = Progress.from_result(leaky.as_dict(), "01-create-key-vault")
    assert JWT not in json.dumps(record.as_dict()) and "abcdef" not in record.red[0].detail
    assert "[hidden]" in record.red[0].detail


@pytest.mark.parametrize("body, message", [
    ([], "JSON object"), ({"check": "x"}, "missing field"), ({"check": "../etc", "passed": True, "checked_at": 1},
                                                              "check name"),
    ({"check": "02-key", "passed": "yes", "checked_at": 1}, "'passed'"),
    ({"check": "02-key", "passed": True, "checked_at": "noon"}, "'checked_at'"),
    ({"check": "02-key", "passed": True, "checked_at": 1, "red": "all"}, "'red'")])
def test_a_malformed_report_says_what_is_wrong(body, message):
    with pytest.raises(ValueError, match=message):
        Progress.from_wire(body, "ada")


def test_the_store_keeps_the_newest_result_and_survives_a_restart(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite")
    now = time.time()
    for when, ok in ((now, True), (now - 60, False)):          # the older report arrives late
        record = Progress.from_result(result(ok=ok, when=when).as_dict(), "01-create-key-vault")
        record.user = "ada"
        store.put(record)
    store.close()
    (kept,) = ProgressStore(tmp_path / "p.sqlite").records("ada")
    assert kept.passed and kept.checked_at == now


def test_the_board_from_a_folder_of_lab_homes(tmp_path, capsys):
    homes = tmp_path / "homes"
    for learner, ok in (("ada", True), ("grace", False)):
        folder = homes / learner / ("checks" if learner == "ada" else ".cmklab/checks")
        folder.mkdir(parents=True)
        for r in (result(ok=ok), result("00-setup", ok=True)):
            (folder / f"{r.name}.json").write_text(json.dumps(r.as_dict()))
    (homes / "grace" / ".cmklab" / "checks" / "05-cmk.json").write_text("{half written")
    out = tmp_path / "board"
    assert main(["class", "board", "--homes", str(homes), "--out", str(out)]) == 0
    assert "2 learners, 2 checks; 1 red cells" in capsys.readouterr().out
    data = json.loads((out / "board.json").read_text())
    assert data["learners"] == ["ada", "grace"] and data["checks"] == ["00-setup", "01-key-vault"]
    page = (out / "board.html").read_text()
    assert "purge protection: off → turn purge protection on" in page and "<th>grace</th>" in page
    assert "grace,01-key-vault,01-create-key-vault,red," in (out / "board.csv").read_text()


def test_the_shipped_hub_files_name_the_service_and_scopes_the_service_checks():
    config = (ROOT / "jupyterhub" / "jupyterhub_config.py").read_text()
    assert "from labhelpers.classroom.scopes import ACCESS_SCOPE, BOARD_SCOPE, SERVICE_NAME" in config
    values = yaml.safe_load((ROOT / "jupyterhub" / "z2jh-values.yaml").read_text())
    service = values["hub"]["services"][SERVICE_NAME]
    assert service["oauth_client_allowed_scopes"] == [BOARD_SCOPE]
    assert service["command"][-1] == "labhelpers.classroom.service"
    port = int(service["url"].rsplit(":", 1)[1])
    assert values["hub"]["service"]["extraPorts"][0]["port"] == port
    assert values["singleuser"]["extraEnv"]["CMKLAB_PROGRESS_URL"].endswith(f":{port}/services/{SERVICE_NAME}/")
    roles = values["hub"]["loadRoles"]
    assert f"access:services!service={SERVICE_NAME}" in roles["user"]["scopes"]
    assert BOARD_SCOPE in roles["cmklab-instructor"]["scopes"] and BOARD_SCOPE in values["hub"]["extraConfig"]["cmklab"]
