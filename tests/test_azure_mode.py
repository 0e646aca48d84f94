"""Azure mode, proven without Azure: a sandbox started on its own (`serve --rbac-delay`, as a class
subscription whose role assignments take a while to apply) and exported with `env`, then the lab's
headless runner in azure mode with only the subscription and the region given, as an instructor runs it.
Two lab homes share the subscription at once: each finishes green, each cleanup deletes only its own
resources, and a third home that fails half-way (and shares a classmate's group) is cleaned up without
touching what is not its own.

Live Azure (as moto's @aws_verified): with CMKLAB_LIVE_SUBSCRIPTION set (and CMKLAB_LIVE_REGION, default
swedencentral) and a sign-in DefaultAzureCredential finds, the same tests run against that real
subscription instead (.github/workflows/live-azure.yml runs them weekly, then sweeps)."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from azure.identity import DefaultAzureCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from labhelpers import naming, runner
from labhelpers.classroom import status
from labhelpers.classroom.azure import ClassSubscription
from labhelpers.sandbox import server

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = [n for n in runner.lab_notebooks() if n <= "05"]          # 00-setup and tasks 1-5
REVOKE = "08-revoke-and-restore"
RBAC_DELAY = "2"
LIVE = os.environ.get("CMKLAB_LIVE_SUBSCRIPTION")
REGION = os.environ.get("CMKLAB_LIVE_REGION", "swedencentral") if LIVE else "eastus"

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("azure-mode")]


def exported_env(state: Path) -> dict[str, str | None]:
    """What `eval $(python -m labhelpers.sandbox env --state DIR)` does to a shell, as a dict."""
    out = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "env", "--state", str(state)], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    env: dict[str, str | None] = {}
    for line in out.splitlines():
        verb, rest = line.split(" ", 1)
        if verb == "unset":
            env[rest] = None
        else:
            name, value = rest.split("=", 1)
            env[name] = shlex.split(value)[0]
    return env


@pytest.fixture(scope="module")
def class_subscription(tmp_path_factory):
    """The sandbox on its own, posing as the class subscription: (its environment, sandbox.json); or,
    live, the real subscription as this process's sign-in sees it."""
    if LIVE:
        from labhelpers.connection import token_claims
        yield {"AZURE_SUBSCRIPTION_ID": LIVE}, {"learner_object_id": token_claims(DefaultAzureCredential())["oid"]}
        return
    state = tmp_path_factory.mktemp("class-sandbox")
    log = open(state / "server.out", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "labhelpers.sandbox", "serve", "--state", str(state),
                             "--rbac-delay", RBAC_DELAY], cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while server._read_info(state).get("pid") != proc.pid:
            assert proc.poll() is None and time.monotonic() < deadline, (state / "server.out").read_text()
            time.sleep(0.1)
        yield exported_env(state), server._read_info(state)
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def shell(env: dict[str, str | None], **extra: str):
    """This process's environment as the instructor's shell after `eval $(… env)`: no lab home, no
    sandbox of the lab's own."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("CMKLAB_")]:
        del os.environ[name]
    server.apply_env({**env, **extra})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(env, tmp_path: Path, notebooks=None, home: Path | None = None, **extra) -> runner.LabRun:
    with shell(env, **extra):
        sub = env["AZURE_SUBSCRIPTION_ID"]
        return runner.run_lab(mode="azure", subscription_id=sub, region=REGION, runs_dir=tmp_path / "runs",
                              home=home, notebooks=notebooks)


def choices_of(home: Path) -> dict:
    return json.loads((home / "lab.json").read_text())["azure"]


def inventory(env, group: str) -> dict:
    """Name → tags of what is in a group (None when the group does not exist), read through the SDK."""
    with shell(env):
        credential, sub = DefaultAzureCredential(), env["AZURE_SUBSCRIPTION_ID"]
        resources = ResourceManagementClient(credential, sub)
        if not resources.resource_groups.check_existence(group):
            return None
        return {r.name: r.tags for r in resources.resources.list_by_resource_group(group)}


def failures(lab: runner.LabRun) -> list[str]:
    return [f"{n.name}: {n.status} {n.error} {[c['summary'] for c in n.checks if not c['passed']]}"
            for n in lab.notebooks if n.status != "passed" or not all(c["passed"] for c in n.checks)]


@pytest.fixture(scope="module")
def two_homes(class_subscription, tmp_path_factory):
    """Seat A takes the exercise (00-05) and keeps its resources; seat B then does the whole lab,
    cleanup included; seat C, sharing A's group, fails at 02 and is cleaned up by the runner; A then
    finishes (08, cleanup). (07 runs in B's lab; opened after a cleanup, in test_notebooks.)"""
    env, info = class_subscription
    tmp = tmp_path_factory.mktemp("azure-runs")
    a_home, c_home = tmp / "seat-a", tmp / "seat-c"
    seen = {}
    seen["a"] = run(env, tmp, EXERCISE, home=a_home)
    seen["a-home-id"] = json.loads((a_home / "lab.json").read_text())["home_id"]
    a = choices_of(a_home)
    seen["a-before-b"] = inventory(env, a["resource_group"])
    seen["b"] = run(env, tmp, [n for n in runner.lab_notebooks() if n != runner.CLEANUP])
    b_home = seen["b"].folder / "home"
    seen["b-home"] = choices_of(b_home)
    with shell(env):                             # the instructor's `class status`, with B's lab finished
        seen["status"] = json.loads(status.run(ClassSubscription(env["AZURE_SUBSCRIPTION_ID"]),
                                               tmp / "status").as_json())
    seen["b-cleanup"] = run(env, tmp, [runner.CLEANUP], home=b_home)
    seen["a-after-b"] = inventory(env, a["resource_group"])
    c_home.mkdir()
    (c_home / "lab.json").write_text(json.dumps({"mode": "azure", "azure": {"resource_group": a["resource_group"]}}))
    seen["c"] = run(env, tmp, home=c_home, CMKLAB_PROPAGATION_TIMEOUT="1")
    seen["a-after-c"] = inventory(env, a["resource_group"])
    seen["a-end"] = run(env, tmp, [REVOKE, runner.CLEANUP], home=a_home)
    seen["a-gone"] = inventory(env, a["resource_group"])
    return env, info, a, seen


def test_both_lab_homes_finish_green_with_names_of_their_own(two_homes):
    env, info, a, seen = two_homes
    assert not failures(seen["a"]) and not failures(seen["b"]) and not failures(seen["a-end"])
    assert not failures(seen["b-cleanup"])
    b = seen["b-home"]
    assert a["resource_group"] != b["resource_group"] and a["foundry_name"] != b["foundry_name"]
    assert a["key_vault_name"] != b["key_vault_name"]
    tags = seen["a-before-b"][a["foundry_name"]]
    assert tags[naming.TAG_LAB] == naming.LAB_TAG_VALUE and tags[naming.TAG_LEARNER] == info["learner_object_id"]
    assert {t[naming.TAG_HOME] for t in seen["a-before-b"].values()} == {seen["a-home-id"]}


def test_class_status_shows_a_finished_lab_all_green(two_homes):
    """B did every notebook but the cleanup: from Azure, every check of what it keeps is green (the checks
    of a moment, such as 08-revoked, are not run: a finished lab is past them)."""
    _, _, _, seen = two_homes
    mine = [r for r in seen["status"]["progress"] if r["user"] == seen["b-home"]["resource_group"]]
    assert {r["check"] for r in mine} == set(status.status_checks())
    assert [(r["check"], r["summary"], r.get("lines")) for r in mine if not r["passed"]] == []
    assert not {"07-six-months-on", "08-revoked", "10-refused"} & {r["check"] for r in mine}


def test_the_badge_says_what_answers(two_homes):
    _, _, _, seen = two_homes
    setup = nbformat.read(seen["a"].folder / "00-setup.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in setup.cells], ensure_ascii=False)
    assert ("real Azure, subscription" if LIVE else "azure mode, answered by the CMK lab sandbox") in outputs
    assert "[SANDBOX]" not in outputs


def test_a_cleanup_leaves_the_other_homes_resources_intact(two_homes):
    _, _, a, seen = two_homes
    assert seen["a-after-b"] == seen["a-before-b"]                       # B's cleanup touched nothing of A's
    assert {a["key_vault_name"], a["foundry_name"]} <= set(seen["a-before-b"])
    assert seen["a-gone"] is None                                        # A's own cleanup removed its group


def test_cleanup_after_a_failure_deletes_only_what_that_home_made(two_homes):
    _, _, a, seen = two_homes
    c = seen["c"]
    status = {n.name: n.status for n in c.notebooks}
    assert status["02-generate-key"] == "failed" and status[runner.CLEANUP] == "passed"
    assert status["03-create-foundry-resource"] == "not run"
    assert seen["a-after-c"] == seen["a-after-b"]                      # A's group and resources kept, unchanged
    cleanup = nbformat.read(c.folder / f"{runner.CLEANUP}.ipynb", as_version=4)
    text = json.dumps([cell.get("outputs", []) for cell in cleanup.cells], ensure_ascii=False)
    assert "Not deleting the resource group" in text and "did not create" in text
