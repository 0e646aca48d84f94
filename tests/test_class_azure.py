"""`class preflight`, `class status` and `class sweep` in azure mode, against a sandbox started on its
own and posing as the class subscription: the commands run as an instructor runs them, in a process
whose environment is what `python -m labhelpers.sandbox env` prints."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import SandboxHandle
from helpers import cognitive_client, make_group, make_vault, new_account, resource_client, unique, vault_client

from labhelpers import replay, session, tags
from labhelpers.classroom.preflight import seat_foundry_names

pytestmark = pytest.mark.xdist_group("class-azure")      # its own sandbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def class_sub(tmp_path_factory):
    """The class subscription: a sandbox of its own, and the environment `sandbox env` exports."""
    handle = SandboxHandle(tmp_path_factory.mktemp("class-sandbox")).start()
    exported = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "env", "--state", str(handle.state_dir)],
                              capture_output=True, text=True, check=True, cwd=ROOT).stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMKLAB_", "AZURE_"))}
    for line in exported.splitlines():
        words = shlex.split(line)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
        elif words[0] == "unset":
            for name in words[1:]:
                env.pop(name, None)
    handle.class_env = env
    with handle.activated():
        yield handle
    handle.stop()


def instructor(class_sub, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labhelpers", "class", *args], env=class_sub.class_env,
                          cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=300)


def seat(class_sub, home: str) -> session.Session:
    """One learner's lab, as 01-05 leave it, tagged as the lab tags what it creates."""
    s = session.Session("azure", class_sub.subscription_id, "eastus", unique("seat-rg-"), unique("kvseat"),
                        "aifoundry-encryption-key", unique("seat-ai-"), "aifoundry-cmkencryption-project01")
    replay._replay(s)
    resource_client(class_sub).resource_groups.update(s.resource_group, {"tags": {
        tags.LAB: tags.LAB_VALUE, tags.HOME: home, tags.LEARNER: class_sub.learner_object_id}})
    return s


def test_preflight_for_forty_seats(class_sub, tmp_path):
    held = seat_foundry_names("cls", 40)[6]
    cs = cognitive_client(class_sub)
    group = make_group(class_sub, "held-")
    new_account(cs, group, held)
    cs.accounts.begin_delete(group, held).result()            # soft-deleted: its name is held for 48 h
    done = instructor(class_sub, "preflight", "--seats", "40", "--region", "eastus", "--prefix", "cls",
                      "--subscription", class_sub.subscription_id, "--learner", class_sub.learner_object_id,
                      "--out", str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr     # the held name is red
    report = json.loads((tmp_path / "preflight.json").read_text())
    rows = {r["what"]: r for r in report["rows"]}
    assert rows["your role"]["status"] == "ok" and rows["region"]["status"] == "ok"
    assert rows["provider Microsoft.KeyVault"]["status"] == "ok"
    assert rows[f"learner {class_sub.learner_object_id}"]["status"] == "ok"
    names = rows["soft-deleted Foundry names"]
    assert names["status"] == "fail" and held in names["detail"]
    # 40 seats need 40 accounts; the region's default is 30 per subscription, soft-deleted ones included
    used = sum(a.location == "eastus" for a in [*cs.accounts.list(), *cs.deleted_accounts.list()])
    quota = rows["account quota for 40 seats"]
    assert quota["status"] == "fail", quota
    assert quota["detail"] == f"OpenAI.S0.AccountCount: {used} of 30 used, {30 - used} free", quota
    assert quota["fix"].startswith(f"request {40 - (30 - used)} more accounts in eastus"), quota
    suite = ElementTree.parse(tmp_path / "preflight.xml").getroot()
    assert int(suite.get("tests")) == len(report["rows"]) and int(suite.get("failures")) >= 1
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert "soft-deleted Foundry names" in failed
    assert "soft-deleted Foundry names" in done.stdout and "class sweep" in done.stdout


def test_a_subscription_that_does_not_exist_lists_those_that_do(class_sub, tmp_path):
    wrong = "00000000-0000-0000-0000-00000000dead"
    for command, code in ((["preflight", "--seats", "2", "--out", str(tmp_path)], 1),     # a red row, in the files too
                          (["status", "--out", str(tmp_path)], 2), (["sweep", "--yes"], 2)):
        done = instructor(class_sub, *command, "--subscription", wrong)
        assert done.returncode == code and f"subscription '{wrong}' does not exist" in done.stdout
        assert class_sub.subscription_id in done.stdout and "Traceback" not in done.stderr


def test_status_runs_every_check_against_each_seat_and_sweep_removes_the_class(class_sub, tmp_path):
    seats = [seat(class_sub, "home-a"), seat(class_sub, "home-b")]
    # seat b breaks its own lab: the Foundry resource goes back to Microsoft-managed keys is not
    # allowed, so it loses its key's role instead (04 turns red)
    from azure.mgmt.authorization import AuthorizationManagementClient
    auth = AuthorizationManagementClient(class_sub.credential(), class_sub.subscription_id)
    vault = vault_client(class_sub).vaults.get(seats[1].resource_group, seats[1].key_vault_name)
    for assignment in auth.role_assignments.list_for_scope(f"{vault.id}/keys/{seats[1].key_name}"):
        if assignment.scope.endswith(f"/keys/{seats[1].key_name}"):
            auth.role_assignments.delete_by_id(assignment.id)
    other = make_group(class_sub, "not-the-lab-")                       # someone else's: untagged
    make_vault(class_sub, other, purge_protection=True)

    done = instructor(class_sub, "status", "--subscription", class_sub.subscription_id, "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    board = json.loads((tmp_path / "board.json").read_text())
    assert board["learners"] == sorted(s.resource_group for s in seats)
    result = {(r["user"], r["check"]): r for r in board["progress"]}
    a, b = (s.resource_group for s in seats)
    for check in ("01-resource-group", "01-key-vault", "02-key", "03-foundry-resource", "04-key-access", "05-cmk"):
        assert result[(a, check)]["passed"], result[(a, check)]
    assert not result[(b, "04-key-access")]["passed"] and result[(b, "03-foundry-resource")]["passed"]
    assert "00-setup" not in board["checks"] and "99-purged" not in board["checks"]
    # a finished lab is past these moments: they would be red for every seat that did the notebook
    assert not {"07-six-months-on", "08-revoked", "10-refused"} & set(board["checks"])
    assert "07-rotated" in board["checks"] and "10-your-address" in board["checks"]
    assert "not checked from Azure, as they hold at one moment of their notebook only: 07-six-months-on, " \
           "08-revoked, 10-refused" in done.stdout
    assert f"{b}" in done.stdout and "red: " in done.stdout

    asked = instructor(class_sub, "sweep", "--subscription", class_sub.subscription_id, stdin="no\n")
    assert asked.returncode == 1 and "Nothing deleted." in asked.stdout and a in asked.stdout
    assert resource_client(class_sub).resource_groups.check_existence(a)

    swept = instructor(class_sub, "sweep", "--subscription", class_sub.subscription_id, "--yes")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    groups = {g.name for g in resource_client(class_sub).resource_groups.list()}
    assert a not in groups and b not in groups and other in groups      # the untagged group stays
    deleted_accounts = {d.name for d in cognitive_client(class_sub).deleted_accounts.list()}
    assert not {s.foundry_name for s in seats} & deleted_accounts        # purged: no longer billed
    for s in seats:
        assert f"key vault {s.key_vault_name}, released (purged by Azure) on " in swept.stdout
    assert "still billed: nothing the lab created" in swept.stdout
