"""The lessons' text sources and the notebooks learners open: the committed notebooks are exactly what
`python -m labhelpers.lessons` makes from lessons/, hold no outputs of any run, sit alone in notebooks/,
and their code passes the project's linter."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from labhelpers import lessons

ROOT = Path(__file__).resolve().parent.parent
NAMES = [s.stem for s in lessons.sources()]


def test_every_lesson_has_its_notebook_and_every_notebook_its_lesson():
    assert NAMES and NAMES == sorted(p.stem for p in lessons.NOTEBOOKS.glob("*.ipynb"))


def test_committed_notebooks_are_built_from_their_sources():
    assert lessons.stale() == [], "edit lessons/, then run: python -m labhelpers.lessons"


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(lessons.LESSONS, tmp_path / "lessons")
    shutil.copytree(lessons.NOTEBOOKS, tmp_path / "notebooks", ignore=shutil.ignore_patterns(".*"))
    assert lessons.stale(tmp_path / "lessons", tmp_path / "notebooks") == []
    return tmp_path


def test_a_notebook_edited_alone_is_found(copy):
    path = copy / "notebooks" / "01-create-key-vault.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[-1].source += "\nAn edit made in JupyterLab."
    nbformat.write(nb, path)
    assert lessons.stale(copy / "lessons", copy / "notebooks") == ["01-create-key-vault.ipynb"]


def test_a_source_edited_alone_is_found(copy):
    path = copy / "lessons" / "03-create-foundry-resource.py"
    path.write_text(path.read_text() + "\n# %%\nprint('new cell')\n")
    (copy / "lessons" / "09-new-lesson.py").write_text("# %% [markdown]\n# # 09 · New\n")
    assert lessons.stale(copy / "lessons", copy / "notebooks") == ["03-create-foundry-resource.ipynb",
                                                                   "09-new-lesson.ipynb"]


def test_the_shared_opening_comes_from_one_place(copy):
    opening = copy / "lessons" / lessons.OPENING
    opening.write_text(opening.read_text().replace("loads your", "reads your"))
    assert lessons.stale(copy / "lessons", copy / "notebooks") == [f"{n}.ipynb" for n in NAMES]


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_opens_clean(name):
    """No outputs, no prompt numbers, no names chosen in someone's run: a first look at the lesson."""
    nb = nbformat.read(lessons.NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert all(set(c.metadata) <= {"tags"} for c in nb.cells)
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    text = "".join(c.source for c in nb.cells)
    assert not re.search(r"aifoundry-cmk(encryption-resource|-kv)-[a-z0-9]{6}\b", text)


def test_the_learners_folder_holds_notebooks_only():
    shown = [p.name for p in lessons.NOTEBOOKS.iterdir() if not p.name.startswith(".")]
    assert shown and all(name.endswith(".ipynb") for name in shown), shown


def test_lesson_code_passes_ruff():
    """ruff lints the notebooks themselves: each lesson's code together with the shared opening."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "notebooks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
