"""Any notebook opened straight after 00-setup, in a kernel of its own, runs to its end with no traceback
(DESIGN.md, "Notebook order"). Those that build on earlier steps start with `lab.ensure_done` (02-05) or
`lab.ensure_cmk` (07-10): they replay what is missing and say so. Each notebook runs on a copy of one
lab home where only 00-setup ran (its sandbox stopped), through `python -m labhelpers run` as CI runs it."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from labhelpers import runner
from test_notebooks import run_command

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("any-order")]   # one worker: one 00-setup
AFTER_SETUP = [name for name in runner.lab_notebooks() if name != "00-setup"]
REPLAYS = {name: "01" if name.startswith("02") else f"01-{int(name[:2]) - 1:02d}"
           for name in AFTER_SETUP if "02" <= name[:2] <= "05"}
REPLAYS.update({name: "01-05" for name in AFTER_SETUP if "07" <= name[:2] <= "10"})


@pytest.fixture(scope="module")
def set_up(tmp_path_factory):
    """A lab home where 00-setup, and nothing else, ran."""
    runs = tmp_path_factory.mktemp("setup")
    done = run_command("--runs-dir", str(runs), "--home", str(runs / "home"), "--notebooks", "00")
    assert done.returncode == 0, done.stdout + done.stderr
    return runs / "home"


def outputs(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(o.get("text", "") + json.dumps(o.get("data", {})) + " ".join(o.get("traceback", []))
                     for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", []))


@pytest.mark.parametrize("name", AFTER_SETUP)
def test_a_notebook_opened_straight_after_setup_runs_to_its_end(set_up, name, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(set_up, home, symlinks=True)
    done = run_command("--runs-dir", str(tmp_path), "--home", str(home), "--notebooks", name[:2])
    results = json.loads((tmp_path / "latest" / "results.json").read_text())
    [run] = results["notebooks"]
    assert done.returncode == 0 and run["status"] == "passed", (run.get("error"), done.stdout[-2000:])
    shown = outputs(nbformat.read(tmp_path / "latest" / f"{name}.ipynb", as_version=4))
    assert "Traceback" not in shown and '"ename"' not in shown
    if name in REPLAYS:                          # it says what it made for you, then where the lab stands
        steps = REPLAYS[name]
        assert f"Some of {steps} is missing or changed: replaying {steps}" in shown
        assert f"The lab is where {steps[-2:]} ends" in shown
    else:
        assert "replaying" not in shown

