"""Lab state and sessions: choices saved per mode under $CMKLAB_HOME; papermill parameters over saved
choices over the exercise's defaults; the kernel's environment pointed at the sandbox and back.
`lab_home` (tests/conftest.py) is a lab home of the module's own, with its own sandbox started by the
lab exactly as a notebook starts it."""
from __future__ import annotations

import json
import os

import pytest

from labhelpers import connection, labstate, naming, session
from labhelpers.sandbox import server

pytestmark = pytest.mark.xdist_group("test_lab_state")   # one worker per module: it starts its own sandbox


def test_choices_are_saved_per_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("CMKLAB_HOME", str(tmp_path))
    labstate.save("sandbox", labstate.Choices(subscription_id="s1", region="eastus"))
    labstate.save("azure", labstate.Choices(subscription_id="a1"))
    assert labstate.saved_mode() == "azure"
    assert labstate.load("sandbox").region == "eastus"
    assert labstate.load("azure").subscription_id == "a1" and labstate.load("azure").region is None
    saved = json.loads((tmp_path / "lab.json").read_text())
    assert set(saved) == {"mode", "sandbox", "azure"}
    home = labstate.home_id()
    assert labstate.load("sandbox").region == "eastus" and labstate.home_id() == home
    with pytest.raises(ValueError):
        labstate.save("cloud", labstate.Choices())


def test_parameter_overrides_win_over_saved_choices():
    saved = labstate.Choices(region="eastus", key_name="k1")
    merged = saved.merged({"region": "westeurope", "key_name": None})
    assert merged.region == "westeurope" and merged.key_name == "k1"
    assert labstate.PARAMETERS == ("mode", "subscription_id", "region", "resource_group", "key_vault_name",
                                   "key_name", "foundry_name", "project_name")


def test_setup_connects_and_fills_the_lab_homes_defaults(lab_home):
    (lab_home / "lab.json").unlink(missing_ok=True)               # nothing chosen yet
    cfg = session.setup()
    assert cfg.mode == "sandbox"
    info = server.running_info(lab_home / "sandbox")
    assert info and os.environ["HTTPS_PROXY"] == info["proxy_url"]
    assert os.environ["REQUESTS_CA_BUNDLE"] == info["ca_bundle"]
    assert cfg.subscription_id == info["subscriptions"][0]         # the one where the learner is Owner
    assert cfg.region == naming.DEFAULT_REGION
    home = json.loads((lab_home / "lab.json").read_text())["home_id"]
    assert cfg.home_id == home and len(home) == 6
    assert cfg.resource_group == f"aifoundry-cmkencryption-RG-{home}"       # the exercise's, made this home's
    assert cfg.foundry_name == f"aifoundry-cmkencryption-resource-{home}"
    assert cfg.key_name == "aifoundry-encryption-key" and cfg.project_name == "aifoundry-cmkencryption-project01"
    assert cfg.tags == {"cmklab": "cmk-lab", "cmklab-learner": info["learner_object_id"], "cmklab-home": home}
    assert cfg.key_vault_name.startswith(naming.VAULT_PREFIX) and not naming.vault_name_problems(cfg.key_vault_name)
    assert cfg.learner_object_id == info["learner_object_id"] and cfg.learner_principal_type == "User"
    assert labstate.load("sandbox") == cfg.choices


def test_a_restarted_kernel_continues_with_the_saved_choices(lab_home):
    first = session.setup()
    again = session.setup()                                        # what every later notebook does
    assert again.choices == first.choices
    override = session.setup(region="swedencentral")               # a papermill parameter
    assert override.region == "swedencentral" and override.key_vault_name == first.key_vault_name
    assert labstate.load("sandbox").region == "swedencentral"
    with pytest.raises(TypeError):
        session.setup(vault="x")


def test_azure_mode_removes_the_sandbox_environment(lab_home, monkeypatch):
    """Leaving the lab's own sandbox gives the kernel back the environment it had before."""
    connection.leave_sandbox()
    names = ("HTTPS_PROXY", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "REQUESTS_CA_BUNDLE", "AZURE_SUBSCRIPTION_ID")
    before = {name: os.environ.get(name) for name in names}
    session.setup(mode="sandbox")
    proxy = os.environ["HTTPS_PROXY"]
    assert proxy != before["HTTPS_PROXY"]
    connection.leave_sandbox()
    assert {name: os.environ.get(name) for name in names} == before
    session.setup(mode="sandbox")                                  # and back
    assert os.environ["HTTPS_PROXY"] == proxy


def test_azure_mode_keeps_the_proxy_and_ca_bundle_the_user_set(lab_home, monkeypatch, tmp_path):
    """A local corporate proxy (cntlm, px) and its CA bundle, or a sandbox exported with `env`: azure
    mode talks to whatever the environment points Azure's clients at, and removes none of it."""
    connection.leave_sandbox()                                     # a kernel that has not connected yet
    (tmp_path / "sandbox.db").touch()                              # a bundle beside a sandbox's state
    mine = {"HTTPS_PROXY": "http://127.0.0.1:3128", "REQUESTS_CA_BUNDLE": str(tmp_path / "ca.pem"),
            "SSL_CERT_FILE": str(tmp_path / "ca.pem"), "IDENTITY_ENDPOINT": "http://127.0.0.1:41000/msi/token",
            "IDENTITY_HEADER": "h", "AZURE_SUBSCRIPTION_ID": "s", "AZURE_TENANT_ID": "t"}
    for name, value in mine.items():
        monkeypatch.setenv(name, value)
    connection.leave_sandbox()
    assert {name: os.environ.get(name) for name in mine} == mine
    session.setup(mode="sandbox")                                  # the sandbox replaces them in this kernel,
    assert os.environ["HTTPS_PROXY"] != mine["HTTPS_PROXY"]
    connection.leave_sandbox()                                     # and leaving it puts them back
    assert {name: os.environ.get(name) for name in mine} == mine


def test_azure_mode_without_a_credential_says_what_to_do(lab_home, monkeypatch, tmp_path):
    """No CLI login, no environment credential, no managed identity: a clear message, no traceback."""
    monkeypatch.setenv("PATH", str(tmp_path))                      # no `az`, `azd` or `pwsh` to ask
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "dev")           # skip the managed-identity probe
    with pytest.raises(connection.NotSignedIn) as caught:
        connection.connect("azure")
    message = str(caught.value)
    assert "az login" in message and 'mode = "sandbox"' in message
    assert caught.value._render_traceback_()[0].startswith("NotSignedIn: No Azure sign-in")
    session.setup(mode="sandbox")
