"""A class on a real JupyterHub started from the shipped jupyterhub/jupyterhub_config.py: three
learners run 00-05 in kernels of their own servers, every check they run reaches the progress
service, and the instructor's board shows their rows; a learner reads and writes only their own
progress, and only an instructor opens the board."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests
from hubtools import Hub, run_in_server

from labhelpers.runner import lab_notebooks

pytestmark = pytest.mark.xdist_group("class-hub")     # configurable-http-proxy: `make test` installs it

LEARNERS = ["ada", "grace", "linus"]
INSTRUCTOR = "teacher"
LESSONS = [n for n in lab_notebooks() if n[:2] in ("00", "01", "02", "03", "04", "05")]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = Hub(tmp_path_factory.mktemp("hub"), instructors=[INSTRUCTOR])
    try:
        hub.start()
        hub.tokens = {name: hub.add_learner(name) for name in LEARNERS}
        hub.tokens[INSTRUCTOR] = hub.add_learner(INSTRUCTOR)
        yield hub
    finally:
        hub.stop()


def progress(hub, token, path="api/progress", **params) -> requests.Response:
    return requests.get(hub.service_url + path, params=params, timeout=30,
                        headers={"Authorization": f"token {token}"} if token else {})


def report(hub, token, **fields) -> requests.Response:
    body = {"check": "01-key-vault", "passed": False, "checked_at": time.time(), "summary": "1 of 4 red",
            "red": [{"what": "purge protection", "detail": "off", "fix": "turn it on"}], **fields}
    return requests.post(hub.service_url + "api/progress", data=json.dumps(body), timeout=30,
                         headers={"Authorization": f"token {token}", "Content-Type": "application/json"})


def test_three_learners_run_the_lab_and_the_board_shows_each_of_them(hub):
    async def learner(name):
        for notebook in LESSONS:
            errors = await run_in_server(hub, name, hub.tokens[name], notebook)
            if errors:
                return errors
        return []

    async def everyone():
        return await asyncio.gather(*(learner(name) for name in LEARNERS))

    assert asyncio.run(everyone()) == [[], [], []]

    board = progress(hub, hub.tokens[INSTRUCTOR], "board.json")
    assert board.status_code == 200, board.text
    data = board.json()
    assert data["learners"] == LEARNERS            # the instructor ran nothing, so has no row
    for name in LEARNERS:
        rows = {r["check"]: r for r in data["progress"] if r["user"] == name}
        assert {"00-setup", "01-key-vault", "02-key", "03-foundry-resource", "04-key-access", "05-cmk"} <= set(rows)
        assert all(r["passed"] for r in rows.values()), rows
        assert rows["05-cmk"]["notebook"] == "05-configure-cmk"
    # and, through the instructor's browser login, the board page itself
    browser = hub.browser(INSTRUCTOR)
    page = browser.get(hub.service_url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert all(f"<th>{name}</th>" in page.text for name in LEARNERS) and "05-cmk" in page.text
    csv = browser.get(hub.service_url + "board.csv", timeout=30)
    assert csv.headers["Content-Type"].startswith("text/csv") and csv.text.count("\n05-cmk") == 0
    assert sum(line.startswith(f"{name},05-cmk,") for line in csv.text.splitlines() for name in LEARNERS) == 3
    # never a secret: no learner's token is in what the service stored or shows
    stored = (hub.state / "progress.sqlite").read_bytes() + page.text.encode() + board.content
    assert not any(token.encode() in stored for token in hub.tokens.values())


def test_the_board_updates_live_with_a_red_cell_and_its_message(hub):
    browser = hub.browser(INSTRUCTOR)
    assert "07-rotated" not in browser.get(hub.service_url + "table", timeout=30).text
    assert report(hub, hub.tokens["linus"], check="07-rotated").status_code == 201
    table = browser.get(hub.service_url + "table", timeout=30).text
    assert "07-rotated" in table and "purge protection: off → turn it on" in table


def test_a_learner_reads_and_writes_only_their_own_progress(hub):
    ada, grace = hub.tokens["ada"], hub.tokens["grace"]
    assert report(hub, ada, check="08-revoked").status_code == 201
    mine = progress(hub, ada)
    assert mine.status_code == 200 and {r["user"] for r in mine.json()} == {"ada"}
    assert "08-revoked" not in {r["check"] for r in progress(hub, grace).json()}

    other = progress(hub, ada, user="grace")
    assert other.status_code == 403 and "instructors" in other.json()["error"]["message"]
    before = progress(hub, grace).json()
    forged = report(hub, ada, user="grace", check="99-purged")
    assert forged.status_code == 403 and "only their own" in forged.json()["error"]["message"]
    assert progress(hub, grace).json() == before
    assert progress(hub, hub.tokens[INSTRUCTOR], user="grace").json() == before

    bad = report(hub, ada, passed="yes")
    assert bad.status_code == 400 and "'passed'" in bad.json()["error"]["message"]
    assert progress(hub, None).status_code == 403
    assert progress(hub, "not-a-token").status_code == 403


def test_only_an_instructor_opens_the_board(hub):
    for path in ("", "board.json", "board.csv", "table"):
        assert progress(hub, hub.tokens["ada"], path).status_code == 403, path
    page = hub.browser("ada").get(hub.service_url, timeout=30)
    assert page.status_code == 403 and "for instructors" in page.text
    # a token of the learner's without access to the service is refused outright
    narrow = hub.api("POST", "users/ada/tokens", json={"scopes": ["read:users:name!user=ada"], "expires_in": 600})
    assert progress(hub, narrow.json()["token"]).status_code == 403
    assert progress(hub, hub.tokens[INSTRUCTOR], "board.json").status_code == 200
