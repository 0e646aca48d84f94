"""The whole lab in a real browser, as a learner takes it (tests/browser.py): every notebook opened from
the file browser, in the order it lists them, run top to bottom with JupyterLab's "Run All", with no
error output and no browser console error; the sandbox delays role propagation, so the countdown of a
retry must show while a role propagates. A notebook that raises is caught by the same helpers."""
from __future__ import annotations

import re

import nbformat
import pytest
from browser import (close_notebook, file_browser_notebooks, jupyter_lab, open_notebook, problems, start_run_all,
                     wait_run_all)

from labhelpers import runner

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

RBAC_DELAY = 6          # seconds before a new role assignment takes effect (the sandbox's --rbac-delay)
COUNTDOWN = re.compile(r"retrying in \d+ s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui-lab")
    with jupyter_lab(base, rbac_delay=RBAC_DELAY, extra={"99-broken": broken_notebook()}) as lab:
        yield lab


def broken_notebook() -> nbformat.NotebookNode:
    """A notebook whose second cell raises: the helpers below must report it (a test of the test)."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("print('fine')"), nbformat.v4.new_code_cell("1 / 0"),
                nbformat.v4.new_code_cell("print('never reached')")]
    return nb


@pytest.fixture(scope="module")
def walkthrough(page):
    """Each lab notebook in the file browser's order: what its cells left, and the countdowns seen."""
    order = [name for name in file_browser_notebooks(page) if name != "99-broken"]
    found, countdowns = {}, {}
    for name in order:
        open_notebook(page, name)
        start_run_all(page)
        if name == "02-generate-key":           # its key is created right after its role assignment
            countdown = page.get_by_text(COUNTDOWN).first
            countdown.wait_for(timeout=120_000)
            countdowns[name] = countdown.inner_text()
        found[name] = problems(wait_run_all(page))
        close_notebook(page)
    return order, found, countdowns


def test_the_file_browser_lists_the_learners_order(walkthrough):
    order, _, _ = walkthrough
    assert order == runner.lab_notebooks() and order[0] == "00-setup" and "cleanup" in order[-1]


def test_every_notebook_runs_top_to_bottom_without_an_error(walkthrough):
    _, found, _ = walkthrough
    assert found == {name: [] for name in found}


def test_the_countdown_shows_while_a_role_propagates(walkthrough):
    _, _, countdowns = walkthrough
    assert "not in effect yet" in countdowns["02-generate-key"]


def test_the_browser_logged_no_error(walkthrough, console):
    assert console.errors == []


def test_a_notebook_that_raises_is_reported(page, walkthrough):
    """Last, so its traceback can't be taken for the lab's: the helpers see the error and the cell
    that the error kept from running."""
    open_notebook(page, "99-broken")
    start_run_all(page)
    found = problems(wait_run_all(page))
    close_notebook(page)
    assert found == ["code cell 1 (1 / 0): ZeroDivisionError: division by zero",
                     "code cell 2 (print('never reached')) did not run"]
