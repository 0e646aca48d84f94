"""The runner for rehearsals: names from a prefix or given, a subset of the notebooks, the resources
kept, the sandbox's propagation delay, several learners at once in one subscription, and a wrong
subscription answered with the ones that exist."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import make_group, resource_client
from labhelpers import rehearsal
from labhelpers.sandbox import server

pytestmark = pytest.mark.xdist_group("rehearsal")

ROOT = Path(__file__).resolve().parent.parent


def labhelpers(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labhelpers", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env, stdin=subprocess.DEVNULL)


def test_notebooks_names_and_prefixes():
    assert rehearsal.select_notebooks(["03", "01-create-key-vault", "99"], keep=False) == [
        "01-create-key-vault", "03-create-foundry-resource", "99-cleanup"]
    assert "99-cleanup" not in rehearsal.select_notebooks(None, keep=True)
    with pytest.raises(ValueError, match="no notebook 42; the notebooks are: 00-setup"):
        rehearsal.select_notebooks(["42"], keep=False)
    assert rehearsal.parse_names(["key_vault_name=kv-class-01"]) == {"key_vault_name": "kv-class-01"}
    with pytest.raises(ValueError, match="NAME one of resource_group"):
        rehearsal.parse_names(["vault=x"])
    assert rehearsal.prefixed_names("cls07") == {"resource_group": "cls07-aifoundry-cmkencryption-RG",
                                                 "foundry_name": "cls07-aifoundry-cmkencryption-resource"}


def test_bad_options_are_answered_before_anything_runs(tmp_path):
    done = labhelpers("run", "--notebooks", "01,42", "--runs-dir", str(tmp_path))
    assert done.returncode == 2 and "no notebook 42" in done.stdout and not list(tmp_path.iterdir())


def test_a_subscription_that_does_not_exist_lists_those_that_do(sandbox, tmp_path):
    """Azure mode against a sandbox posing as the class subscription (the test process's environment)."""
    wrong = "00000000-0000-0000-0000-0000000000aa"
    done = labhelpers("run", "--mode", "azure", "--subscription", wrong, "--runs-dir", str(tmp_path))
    assert done.returncode == 2 and f"subscription '{wrong}' does not exist" in done.stdout
    assert sandbox.subscription_id in done.stdout and not list(tmp_path.iterdir())


def test_two_learners_at_once_in_one_subscription_keeping_their_resources(tmp_path):
    done = labhelpers("run", "--learners", "2", "--prefix", "cls", "--notebooks", "00,01,02", "--keep",
                      "--rbac-delay", "15", "--runs-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 of 2 learners passed" in done.stdout and "learner 02 (cls02): passed" in done.stdout
    (folder,) = tmp_path.glob("class-*")
    assert server.running_info(folder / "sandbox") is None          # the shared sandbox is stopped
    subscriptions = set()
    for seat in ("01", "02"):
        state = json.loads((folder / f"learner-{seat}" / "home" / "lab.json").read_text())["sandbox"]
        assert state["resource_group"] == f"cls{seat}-aifoundry-cmkencryption-RG"
        subscriptions.add(state["subscription_id"])
        (run,) = [p for p in (folder / f"learner-{seat}").iterdir() if p.name[:8].isdigit()]
        results = json.loads((run / "results.json").read_text())
        assert [n["name"] for n in results["notebooks"]] == ["00-setup", "01-create-key-vault", "02-generate-key"]
        executed = nbformat.read(run / "02-generate-key.ipynb", as_version=4)
        outputs = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
        assert "the role assignment is not in effect yet" in outputs       # the delay was on
    assert len(subscriptions) == 1                                        # one class subscription


def test_two_learners_in_azure_mode_each_make_and_clean_up_only_their_own(start_sandbox, tmp_path):
    """Azure mode against a sandbox of its own posing as the class subscription: two seats at once, each
    with its own names, and each seat's cleanup deletes only what that seat made."""
    own = start_sandbox()
    with own.activated():
        others = make_group(own, "not-the-lab-")
        done = labhelpers("run", "--mode", "azure", "--learners", "2", "--prefix", "az", "--notebooks", "00,01,99",
                          "--runs-dir", str(tmp_path))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 of 2 learners passed" in done.stdout
        (folder,) = tmp_path.glob("class-*")
        vaults = set()
        for seat in ("01", "02"):
            state = json.loads((folder / f"learner-{seat}" / "home" / "lab.json").read_text())["azure"]
            assert state["resource_group"] == f"az{seat}-aifoundry-cmkencryption-RG"
            vaults.add(state["key_vault_name"])
        assert len(vaults) == 2                                            # vault names are global: one each
        groups = {g.name for g in resource_client(own).resource_groups.list()}
        assert others in groups and not {g for g in groups if g.startswith(("az01-", "az02-"))}
        assert not (folder / "sandbox").exists()                         # azure mode starts no sandbox
