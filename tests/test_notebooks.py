"""The notebooks, executed headless as a class or CI would: papermill on a fresh lab home and sandbox,
01-05 run twice (same end state, no duplicates), 07 twice (one rotation per run, the resource on the
newest version), 08 (the key enabled again, one data role; its re-run is in test_lab_checks),
`python -m labhelpers run` with its report and exit code, and nbval proving that a fresh run, in the
learner's order, reproduces the outputs of that run (the committed notebooks hold none: test_lessons)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

from labhelpers import labstate, runner
from labhelpers.display import esc
from labhelpers.sandbox import server

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = runner.lab_notebooks()
STEPS = [n for n in NOTEBOOKS if "01" <= n[:2] <= "05"]          # the exercise's tasks 1-5
ROTATE, REVOKE, USER_ASSIGNED = "07-rotate-the-key", "08-revoke-and-restore", "09-user-assigned-identity"
FIREWALL = "10-close-the-vault-firewall"

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("notebooks")]


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def child_env(**extra) -> dict:
    """The environment of a child run: none of this process's sandbox settings or lab home."""
    env = {k: v for k, v in os.environ.items()
           if k not in server.client_env({"proxy_url": "", "identity_endpoint": "", "identity_header": "",
                                          "ca_bundle": "", "subscription_id": "", "tenant_id": ""})
           and not k.startswith("CMKLAB_")}
    return {**env, **extra}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_has_the_same_parameters(name):
    nb = read(name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assignments = [line.split(" = ") for line in tagged[0].source.splitlines() if not line.startswith("#")]
    assert [a[0] for a in assignments] == list(labstate.PARAMETERS) and {a[1] for a in assignments} == {"None"}
    setup = nb.cells[nb.cells.index(tagged[0]) + 2].source
    assert "lab.setup(" in setup and all(f"{p}={p}" in setup for p in labstate.PARAMETERS)


@contextmanager
def sandbox_of(home: Path):
    saved = dict(os.environ)
    server.apply_env(server.client_env(server.running_info(home / "sandbox")))
    try:
        yield DefaultAzureCredential()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def inventory(home: Path) -> dict:
    """What the lab made, counted through the SDK: a re-run must not add anything."""
    with runner.kernel_environment(home):
        cfg = labstate.load("sandbox")
    with sandbox_of(home) as credential:
        kv = KeyVaultManagementClient(credential, cfg.subscription_id)
        cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
        auth = AuthorizationManagementClient(credential, cfg.subscription_id)
        vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
        account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
        keys = KeyClient(vault.properties.vault_uri, credential)
        versions = list(keys.list_properties_of_key_versions(cfg.key_name))
        return {
            "key_versions": len(versions),
            "disabled_versions": len([v for v in versions if not v.enabled]),
            "latest_version": keys.get_key(cfg.key_name).properties.version,
            "vault_assignments": len([a for a in auth.role_assignments.list_for_scope(vault.id, filter="atScope()")
                                      if a.scope.lower() == vault.id.lower()]),
            "key_assignments": len([a for a in auth.role_assignments.list_for_scope(
                f"{vault.id}/keys/{cfg.key_name}", filter="atScope()") if a.scope.lower().endswith(cfg.key_name.lower())]),
            "account_assignments": len([a for a in auth.role_assignments.list_for_scope(account.id, filter="atScope()")
                                        if a.scope.lower() == account.id.lower()]),
            "projects": len(list(cs.projects.list(cfg.resource_group, cfg.foundry_name))),
            "vaults": len(list(kv.vaults.list_by_resource_group(cfg.resource_group))),
            "cmk_version": account.properties.encryption.key_vault_properties.key_version,
        }


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    """00-05, 01-05 again, 07 twice, 08, then 99-cleanup, each in its own kernel, on one fresh lab home;
    the inventory after each stage."""
    home, out = tmp_path_factory.mktemp("lab-home"), tmp_path_factory.mktemp("executed")
    server.take_lease(home / "sandbox")          # this test uses the sandbox between the kernels too
    runs, counts = {}, {}
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(child_env())

    def stage(label, names, attempt=1):
        with runner.kernel_environment(home):
            for name in names:
                runs[name, attempt] = runner.execute(name, out, {})
        if label:
            counts[label] = inventory(home)

    try:
        stage(1, ["00-setup", *STEPS])
        stage(2, STEPS, attempt=2)
        stage(ROTATE, [ROTATE])
        stage((ROTATE, 2), [ROTATE], attempt=2)
        stage(REVOKE, [REVOKE])
        stage(USER_ASSIGNED, [USER_ASSIGNED])
        stage((USER_ASSIGNED, 2), [USER_ASSIGNED], attempt=2)
        stage(None, [FIREWALL])
        stage(None, [FIREWALL], attempt=2)
        stage(None, [runner.CLEANUP])
        stage(None, [ROTATE, runner.CLEANUP], attempt=3)        # opened after cleanup: starts over
        stage(None, [STEPS[0], runner.CLEANUP], attempt=4)      # and so does 01
        counts["executed"] = out
        yield runs, counts
    finally:
        server.stop(home / "sandbox")
        os.environ.clear()
        os.environ.update(saved)


def test_each_notebook_runs_headless_with_green_checks(sequence):
    runs, _ = sequence
    assert {name for name, _ in runs} == set(NOTEBOOKS)
    for (name, attempt), run in runs.items():
        assert run.status == "passed", f"{name} (run {attempt}): {run.error}"
        assert run.checks and all(c["passed"] for c in run.checks), f"{name} (run {attempt}): {run.checks}"
    assert {c["name"] for c in runs["99-cleanup", 1].checks} == {"99-deleted", "99-purged"}
    assert [c["name"] for c in runs[ROTATE, 2].checks] == ["07-six-months-on", "07-rotated"]
    assert [c["name"] for c in runs[REVOKE, 1].checks] == ["08-data-role", "08-revoked", "08-restored"]


@pytest.mark.parametrize("name, attempt", [(ROTATE, 3), (STEPS[0], 4)])
def test_a_notebook_opened_after_cleanup_starts_over(sequence, name, attempt):
    """99-cleanup leaves the vault soft-deleted, its name held: 07, or 01, opened then says it starts over
    with fresh names and runs green (no 'vault ... already exists in deleted state')."""
    runs, counts = sequence
    assert runs[name, attempt].status == "passed", runs[name, attempt].error
    assert runs[runner.CLEANUP, attempt].status == "passed"
    assert all(c["passed"] for c in runs[name, attempt].checks)
    executed = nbformat.read(counts["executed"] / f"{name}.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in executed.cells], ensure_ascii=False)
    assert "Starting over with fresh names" in text


def test_running_01_to_05_again_changes_nothing(sequence):
    _, counts = sequence
    assert counts[1] == counts[2]
    assert counts[1]["key_versions"] == 1 and counts[1]["projects"] == 1 and counts[1]["vaults"] == 1
    assert counts[1]["vault_assignments"] == 1 and counts[1]["key_assignments"] == 1
    assert counts[1]["cmk_version"] == counts[1]["latest_version"] and counts[1]["account_assignments"] == 0


def test_each_run_of_07_rotates_once_and_moves_the_resource_to_the_new_version(sequence):
    """Each run makes two versions: the rotate cell's, then the policy's once the sandbox clock is six months on."""
    _, counts = sequence
    before, first, second = counts[2], counts[ROTATE], counts[ROTATE, 2]
    assert [c["key_versions"] for c in (before, first, second)] == [1, 3, 5]
    assert len({before["cmk_version"], first["cmk_version"], second["cmk_version"]}) == 3
    for after in (first, second):
        assert after["cmk_version"] == after["latest_version"] and after["disabled_versions"] == 0
        unchanged = {k: v for k, v in after.items() if k not in ("key_versions", "latest_version", "cmk_version")}
        assert unchanged == {k: before[k] for k in unchanged}


def test_08_leaves_the_key_enabled_and_adds_one_data_role(sequence):
    _, counts = sequence
    assert counts[REVOKE] == {**counts[ROTATE, 2], "account_assignments": 1}


def test_09_adds_one_grant_on_the_key_and_a_rerun_nothing(sequence):
    _, counts = sequence
    assert counts[USER_ASSIGNED] == {**counts[REVOKE], "key_assignments": counts[REVOKE]["key_assignments"] + 1}
    assert counts[USER_ASSIGNED, 2] == counts[USER_ASSIGNED]


def run_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labhelpers", "run", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=child_env(**env))


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    """One `python -m labhelpers run` of the whole lab: its run folder and what the command printed."""
    runs = tmp_path_factory.mktemp("runs")
    return runs / "latest", run_command("--runs-dir", str(runs))


def test_make_run_writes_a_report_and_exits_zero(lab_run):
    latest, done = lab_run
    assert done.returncode == 0, done.stdout + done.stderr
    assert latest.is_symlink() and (latest / "report.html").exists()
    results = json.loads((latest / "results.json").read_text())
    assert results["passed"] and [n["name"] for n in results["notebooks"]] == NOTEBOOKS
    report = (latest / "report.html").read_text()
    assert "CMK lab run: <span class=\"passed\">passed</span>" in report and "What you did and what it proves" in report
    for notebook in results["notebooks"]:
        name = notebook["name"]
        assert f'href="{name}.html"' in report and f'href="{name}.ipynb"' in report
        assert (latest / f"{name}.ipynb").exists() and "jp-Notebook" in (latest / f"{name}.html").read_text()
        for check in notebook["checks"]:                     # each check as the notebook shows it, proven
            assert esc(f"✅ green {check['title']}: {check['success']}") in report
    assert "❌" not in report
    drew = [n["name"] for n in results["notebooks"] if n["chain"]]     # the chain of trust, in the report too
    assert {"05-configure-cmk", "07-rotate-the-key", "09-user-assigned-identity", "10-close-the-vault-firewall"} <= \
        set(drew) and report.count('aria-label="chain of trust"') == len(drew)
    assert all('aria-label="chain of trust"' in (latest / f"{name}.html").read_text() for name in drew)   # nbconvert
    assert f"the lab run passed; report: {latest.resolve() / 'report.html'}" in done.stdout
    assert not server.running_info(latest / "home" / "sandbox")     # the run's sandbox is stopped


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_executed_outputs_are_a_clean_sandbox_run(lab_run, name):
    nb = nbformat.read(lab_run[0] / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    assert all(c.execution_count for c in code)
    # pictures left out: base64 of a PNG may spell "eyJ" by chance, and a picture holds no token
    outputs = json.dumps([[{**o, "data": {m: d for m, d in o.get("data", {}).items() if not m.startswith("image/")}}
                           for o in c.outputs] for c in code], ensure_ascii=False)
    assert '"output_type": "error"' not in outputs and "[SANDBOX]" in outputs
    assert "eyJ" not in outputs and "Bearer" not in outputs        # no token, ever
    checks = [c for c in code if c.source.startswith("lab.check(")]
    assert checks and all("✅" in json.dumps(c.outputs, ensure_ascii=False) for c in checks)


def test_a_red_check_fails_the_run(tmp_path):
    done = run_command("--runs-dir", str(tmp_path), "--region", "westcentralus")   # no Foundry there
    assert done.returncode == 1
    results = json.loads((tmp_path / "latest" / "results.json").read_text())
    first, *rest = results["notebooks"]
    assert first["status"] == "failed" and first["error"].startswith("CheckFailed: check '00-setup' is red")
    red = next(line for line in first["checks"][0]["lines"] if not line["ok"])
    assert red["what"] == "region" and red["fix"].startswith("choose one of:")
    assert {n["status"] for n in rest} == {"not run"}
    assert first["failure"]["step"].endswith('lab.check("00-setup")')
    report = (tmp_path / "latest" / "report.html").read_text()
    assert "CMK lab run: <span class=\"failed\">FAILED</span>" in report and "<b>Failed at:</b>" in report
    assert "❌ RED Setup" in report and "<details open>" in report and "are not offered in westcentralus" in report
    assert "01-create-key-vault, 02-generate-key" in report                      # what was not run
    # a long finding (the regions to choose from) folds: its start, then the rest on a click
    folded = re.search(r"<details><summary>(choose one of: [^<]*) …</summary>([^<]*)</details>", report)
    assert folded and "westus3" in folded[2] and "westus3" not in folded[1]
    # the terminal: the red line and its fix, not only a count
    assert "red check 00-setup: Setup" in done.stdout
    assert "region: Foundry resources (kind AIServices, SKU S0) are not offered in westcentralus" in done.stdout
    assert "what to do: choose one of: australiaeast" in done.stdout and "westus3" in done.stdout and "the lab run FAILED" in done.stdout


def test_nbval_reproduces_a_run_of_the_lab(lab_run, tmp_path):
    """nbval re-runs the executed notebooks of `lab_run`, in the learner's order (the order of the
    arguments), on a fresh lab home, and compares each output with that run's (tests/nbval-sanitize.cfg
    masks what differs by nature: GUIDs, key versions, proposed names, times)."""
    latest, _ = lab_run
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-v", "--nbval",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval-sanitize.cfg"), "--rootdir", str(latest.resolve()),
         *(str(latest.resolve() / f"{n}.ipynb") for n in NOTEBOOKS)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=child_env(CMKLAB_HOME=str(home), CMKLAB_HEADLESS="1",
                      PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))))
    server.stop(home / "sandbox")
    assert done.returncode == 0, done.stdout[-4000:]
    ran = [Path(line.split("::")[0]).stem for line in done.stdout.splitlines() if "::" in line and " PASSED" in line]
    assert list(dict.fromkeys(ran)) == NOTEBOOKS       # the learner's order
