"""The 00-setup form without a browser: the widgets are built and driven by setting their values, as
a click would; every change is validated against the sandbox and saved for the next notebooks."""
from __future__ import annotations

import os

import pytest

from labhelpers import choices, labstate, session, widgets

pytestmark = pytest.mark.xdist_group("test_lab_widgets")   # one worker per module: it starts its own sandbox


@pytest.fixture(scope="module")
def form(lab_home):
    return widgets.SetupForm(session.setup())


def test_the_form_starts_from_the_session(form, lab_home):
    (lab_home / "lab.json").unlink(missing_ok=True)               # a first visit: nothing chosen yet
    form = widgets.SetupForm(session.setup())
    cfg = form.session
    labels = dict(form.subscription.options)
    assert labels["CMK Lab Subscription (Owner)"] == cfg.subscription_id
    assert "Read-only Subscription (Reader)" in labels
    assert form.subscription_note.value == ""
    regions = dict(form.region.options).values()
    assert form.region.value == cfg.region and "eastus" in regions and "westcentralus" not in regions
    assert form.names["key_vault_name"].value == cfg.key_vault_name
    assert "available" in form.notes["key_vault_name"].value and "valid" in form.notes["key_name"].value


def test_choosing_a_reader_subscription_warns(form):
    owner = form.subscription.value
    form.subscription.value = dict(form.subscription.options)["Read-only Subscription (Reader)"]
    assert "Owner" in form.subscription_note.value
    assert labstate.load("sandbox").subscription_id == form.subscription.value
    form.subscription.value = owner
    assert form.subscription_note.value == "" and labstate.load("sandbox").subscription_id == owner


def test_names_are_validated_and_saved_as_typed(form):
    form.names["key_vault_name"].value = "1-bad--name"
    note = form.notes["key_vault_name"].value
    assert "start with a letter" in note and "two hyphens" in note
    form.names["foundry_name"].value = "ends-"
    assert "must not end with a hyphen" in form.notes["foundry_name"].value
    form.names["foundry_name"].value = "aifoundry-cmkencryption-resource"
    assert "available" in form.notes["foundry_name"].value
    form.region.value = "swedencentral"
    saved = labstate.load("sandbox")
    assert saved.key_vault_name == "1-bad--name" and saved.region == "swedencentral"


def test_the_proposal_button_finds_a_free_vault_name(form):
    form.propose.click()
    proposed = form.names["key_vault_name"].value
    assert proposed.startswith("aifoundry-cmk-kv-") and "available" in form.notes["key_vault_name"].value
    assert labstate.load("sandbox").key_vault_name == proposed == form.session.key_vault_name


def test_headless_the_form_is_a_table_of_the_choices(form, monkeypatch, capsys):
    monkeypatch.setenv("CMKLAB_HEADLESS", "1")
    assert widgets.setup_form(form.session) is None
    out = capsys.readouterr().out
    assert "Key vault" in out and form.session.key_vault_name in out


def test_a_vault_name_held_by_your_deleted_vault_is_replaced(form, capsys):
    """A second round of the lab after 99-cleanup: the old name is held for 7 days."""
    from azure.mgmt.keyvault import KeyVaultManagementClient
    from azure.mgmt.keyvault.models import Sku, VaultCreateOrUpdateParameters, VaultProperties
    from azure.mgmt.resource.resources import ResourceManagementClient
    cfg = form.session
    cfg.update(key_vault_name=choices.propose_vault_name(cfg.credential, cfg.subscription_id, cfg.resource_group))
    ResourceManagementClient(cfg.credential, cfg.subscription_id).resource_groups.create_or_update(
        cfg.resource_group, {"location": cfg.region})
    kv = KeyVaultManagementClient(cfg.credential, cfg.subscription_id)
    kv.vaults.begin_create_or_update(cfg.resource_group, cfg.key_vault_name, VaultCreateOrUpdateParameters(
        location=cfg.region, properties=VaultProperties(tenant_id=cfg.tenant_id, sku=Sku(family="A", name="standard"),
                                                        enable_purge_protection=True))).result()
    widgets.replace_held_vault_name(cfg)
    assert capsys.readouterr().out == ""                             # yours and alive: kept
    old = cfg.key_vault_name
    kv.vaults.delete(cfg.resource_group, old)
    widgets.replace_held_vault_name(cfg)
    assert cfg.key_vault_name != old and labstate.load("sandbox").key_vault_name == cfg.key_vault_name
    assert f"Using {cfg.key_vault_name} instead" in capsys.readouterr().out


def test_azure_without_a_sign_in_says_so_in_the_form_and_stays_in_the_sandbox(form, monkeypatch, tmp_path):
    """The message is in the form (a callback's exception reaches only JupyterLab's log); the mode,
    the badge, the saved state and the connection stay the sandbox's."""
    monkeypatch.setenv("PATH", str(tmp_path))                      # no `az`, `azd` or `pwsh` to ask
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "dev")           # skip the managed-identity probe
    proxy, saved = os.environ["HTTPS_PROXY"], (labstate.home() / labstate.STATE_FILE).read_text()
    form.mode.value = "azure"
    assert "No Azure sign-in" in form.mode_note.value and "az login" in form.mode_note.value
    assert form.mode.value == form.session.mode == "sandbox" and "SANDBOX" in form.badge.value
    assert (labstate.home() / labstate.STATE_FILE).read_text() == saved and os.environ["HTTPS_PROXY"] == proxy
    form.validate("key_vault_name")                                # the sandbox still answers
    assert "available" in form.notes["key_vault_name"].value or "yours" in form.notes["key_vault_name"].value
