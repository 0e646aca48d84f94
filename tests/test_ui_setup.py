"""00-setup in a real browser, as a learner sees it (tests/browser.py): the form lists subscriptions
with your role, the regions and the names; a broken name shows the rule; a change is saved; azure
without a sign-in says so in the form and changes nothing; a check renders green, and a red one opens
its details. And the form's test fails, keeping a screenshot, when the form does not render."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser import clean_env, code_cell_output, eventually, jupyter_lab, open_notebook, problems
from browser import run_cell, start_run_all, wait_run_all
from playwright.sync_api import expect

TESTS = Path(__file__).resolve().parent
STALE = "00-setup-stale"

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with jupyter_lab(tmp_path_factory.mktemp("ui-setup"), extra={STALE: stale_form_notebook()}) as lab:
        yield lab


def stale_form_notebook() -> nbformat.NotebookNode:
    """00-setup's form cell as a learner used to find it: holding an earlier run's output (a static
    table) where the form belongs. The form's test must fail on it."""
    nb = nbformat.read(TESTS.parent / "notebooks" / "00-setup.ipynb", as_version=4)
    form = next(c for c in nb.cells if c.source.strip() == "lab.setup_form(cfg)")
    form.execution_count = 3
    form.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<table><tr><td>Subscription</td><td>CMK Lab Subscription (Owner)</td></tr></table>",
        "text/plain": "Subscription  CMK Lab Subscription (Owner)"})]
    nb.cells = [form]
    return nb


@pytest.fixture(scope="module")
def page(page):
    """The lab's page (conftest) with 00-setup open and run."""
    open_notebook(page, "00-setup")
    start_run_all(page)
    assert problems(wait_run_all(page)) == []
    return page


def field(page, label: str, kind: str):
    """A form widget by its label: kind is dropdown (its <select>) or text (its <input>)."""
    widget = page.locator(f".widget-{kind}", has=page.locator("label.widget-label", has_text=re.compile(f"^{label}$")))
    return widget.locator("select" if kind == "dropdown" else "input")


def options(select) -> list[str]:
    """A dropdown's labels (ipywidgets writes their spaces as no-break spaces)."""
    return [text.replace("\xa0", " ") for text in select.locator("option").all_inner_texts()]


def note_of(page, label: str):
    """The status beside a name field."""
    return page.locator(".widget-hbox", has=field(page, label, "text")).locator(".widget-html")


def test_the_form_lists_subscriptions_with_roles_regions_and_names(page, lab):
    subscriptions = options(field(page, "Subscription", "dropdown"))
    assert "CMK Lab Subscription (Owner)" in subscriptions and "Read-only Subscription (Reader)" in subscriptions
    regions = options(field(page, "Region", "dropdown"))
    assert any(r.endswith("(eastus)") for r in regions) and not any(r.endswith("(westcentralus)") for r in regions)
    saved = lab.lab_state()["sandbox"]
    expect(field(page, "Key vault", "text")).to_have_value(saved["key_vault_name"])
    expect(note_of(page, "Key vault")).to_contain_text("available")
    expect(page.locator("button.widget-toggle-button.mod-active")).to_have_text("sandbox")


def test_a_green_check_keeps_its_table_folded(page):
    result = code_cell_output(page, 'lab.check("00-setup")')
    expect(result).to_contain_text("✅ green Setup")
    expect(result.locator("details")).not_to_have_attribute("open", "")
    expect(result.locator("table")).to_be_hidden()
    result.locator("summary").click()
    expect(result.locator("table")).to_be_visible()
    expect(result.locator("table")).to_contain_text("key vault name")


def test_an_invalid_vault_name_shows_the_rule_it_breaks(page, lab):
    vault = field(page, "Key vault", "text")
    vault.fill("1-bad--name")
    vault.press("Enter")
    expect(note_of(page, "Key vault")).to_contain_text("start with a letter")
    expect(note_of(page, "Key vault")).to_contain_text("two hyphens")
    eventually(lambda: lab.lab_state()["sandbox"]["key_vault_name"] == "1-bad--name")


def test_a_red_check_opens_its_details(page):
    run_cell(page, 'lab.check("00-setup")')
    result = code_cell_output(page, 'lab.check("00-setup")')
    expect(result).to_contain_text("❌ RED Setup")
    expect(result.locator("details")).to_have_attribute("open", "")
    red_row = result.locator("tr", has_text="key vault name")
    expect(red_row).to_be_visible()
    expect(red_row).to_contain_text("choose another vault name")


def test_the_proposal_button_fixes_the_name(page, lab):
    page.locator("button", has_text="Propose a free vault name").click()
    expect(note_of(page, "Key vault")).to_contain_text("available")
    proposed = field(page, "Key vault", "text").input_value()
    assert re.fullmatch(r"aifoundry-cmk-kv-[a-z0-9]{6}", proposed)
    eventually(lambda: lab.lab_state()["sandbox"]["key_vault_name"] == proposed)
    run_cell(page, 'lab.check("00-setup")')
    expect(code_cell_output(page, 'lab.check("00-setup")')).to_contain_text("✅ green Setup")


def test_a_changed_region_is_saved(page, lab):
    region = field(page, "Region", "dropdown")
    label = next(r for r in region.locator("option").all_inner_texts() if r.endswith("(swedencentral)"))   # as shown
    region.select_option(label=label)
    eventually(lambda: lab.lab_state()["sandbox"]["region"] == "swedencentral")


def test_azure_without_a_sign_in_says_so_in_the_form_and_changes_nothing(page, lab):
    before = lab.lab_state()
    page.locator("button.widget-toggle-button", has_text="azure").click()
    expect(page.locator(".widget-html", has_text="No Azure sign-in")).to_be_visible(timeout=120_000)
    expect(page.locator("button.widget-toggle-button.mod-active")).to_have_text("sandbox")
    expect(page.locator(".widget-html", has_text="No Azure sign-in")).to_contain_text("az login")
    expect(page.locator(".widget-vbox .widget-html", has_text="SANDBOX").first).to_be_visible()
    assert lab.lab_state() == before
    vault = field(page, "Key vault", "text")        # still connected to the sandbox: names are checked there
    vault.fill(before["sandbox"]["key_vault_name"] + "x")
    vault.press("Enter")
    expect(note_of(page, "Key vault")).to_contain_text("available")


def test_the_page_logged_no_error(console):
    assert console.errors == []


# The form's test, run by a pytest of its own on the stale notebook (the same JupyterLab): it must fail,
# and the failure must keep a screenshot (the hook in conftest.py) and print where.
STALE_RUN = f"""
import json, os
from pathlib import Path

import pytest
from browser import JupyterLab, close_notebook, open_lab, open_notebook

import test_ui_setup


@pytest.fixture
def lab():
    return JupyterLab(**{{k: Path(v) if k in ("root", "home", "log") else v
                         for k, v in json.loads(os.environ["UI_LAB"]).items()}})


@pytest.fixture
def page(chromium, lab):
    context = chromium.new_context(viewport={{"width": 1400, "height": 1000}})
    page = context.new_page()
    page.set_default_timeout(60_000)
    open_lab(page, lab)
    open_notebook(page, "{STALE}")          # as it opens: nothing run
    yield page
    close_notebook(page)
    context.close()


def test_the_form(page, lab):
    test_ui_setup.test_the_form_lists_subscriptions_with_roles_regions_and_names(page, lab)
"""


def test_the_form_test_fails_on_a_form_that_does_not_render_and_keeps_a_screenshot(lab, tmp_path):
    (tmp_path / "test_stale.py").write_text(STALE_RUN)
    shots = tmp_path / "shots"
    where = {"url": lab.url, "token": lab.token, "root": str(lab.root), "home": str(lab.home), "log": str(lab.log)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
         "--rootdir", str(tmp_path), str(tmp_path / "test_stale.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=clean_env(UI_LAB=json.dumps(where), CMKLAB_UI_SCREENSHOTS=str(shots),
                      PYTHONPATH=os.pathsep.join([str(TESTS), str(TESTS.parent)])))
    assert done.returncode == 1 and "1 failed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert "CMK Lab Subscription (Owner)" in done.stdout        # it failed on the form: no subscriptions listed
    shot = shots / "test_the_form.png"
    assert f"screenshot of the failed page: {shot}" in done.stdout
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
