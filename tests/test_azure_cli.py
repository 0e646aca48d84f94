"""Exercise tasks 1-6, and the region's account quota (`usage list`), with the stock Azure CLI (a client
this project did not write) against the sandbox, in the environment `python -m labhelpers.sandbox env`
prints. `az login --identity` speaks the App Service managed-identity protocol when IDENTITY_ENDPOINT and
IDENTITY_HEADER are set (msal `managed_identity.py`, App Service branch; wire contract §8), so the CLI
signs in as the learner.

Every command is the stock one a learner would type; its exit status and JSON are checked, and the
state it made is checked again through the CLI itself."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

import azure_cli
from conftest import ROOT

pytestmark = pytest.mark.xdist_group("azure-cli")


def _sandbox_env(state_dir) -> dict[str, str]:
    """The process environment with the lines `sandbox env` prints applied (export / unset)."""
    out = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "env", "--state", str(state_dir)],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    env = dict(__import__("os").environ)
    for line in out.splitlines():
        words = shlex.split(line)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
        elif words[0] == "unset":
            env.pop(words[1], None)
    return env


@pytest.fixture(scope="module")
def az(start_sandbox_module, tmp_path_factory):
    exe = azure_cli.ensure_installed()
    sandbox = start_sandbox_module()
    env = _sandbox_env(sandbox.state_dir)
    env.update(AZURE_CONFIG_DIR=str(tmp_path_factory.mktemp("azure-config")), AZURE_CORE_COLLECT_TELEMETRY="false",
               AZURE_CORE_NO_COLOR="true", AZURE_CORE_SURVEY_MESSAGE="false")

    def run(*args: str, ok: bool = True):
        done = subprocess.run([str(exe), *args, "-o", "json"], env=env, capture_output=True, text=True, timeout=180)
        if ok:
            assert done.returncode == 0, f"az {' '.join(args)} failed:\n{done.stderr[-3000:]}"
            return json.loads(done.stdout) if done.stdout.strip() else None
        return done
    run.sandbox = sandbox
    return run


@pytest.fixture(scope="module")
def start_sandbox_module(tmp_path_factory):
    from conftest import SandboxHandle
    started = []

    def start(*args):
        started.append(SandboxHandle(tmp_path_factory.mktemp("az-sandbox"), *args).start())
        return started[-1]
    yield start
    for handle in started:
        handle.stop()


def test_exercise_tasks_1_to_6_with_the_azure_cli(az):
    sandbox = az.sandbox
    accounts = az("login", "--identity")
    assert sandbox.subscription_id in {a["id"] for a in accounts}
    upn = az("ad", "signed-in-user", "show")["userPrincipalName"]

    # Task 1: a resource group
    group = az("group", "create", "-n", "rg-cli", "-l", "eastus")
    assert group["properties"]["provisioningState"] == "Succeeded"

    # Task 2: a vault with purge protection and RBAC, the learner's data role by UPN, a key and its rotation
    vault = az("keyvault", "create", "-n", "kv-cli-task2", "-g", "rg-cli", "-l", "eastus",
               "--enable-purge-protection", "--enable-rbac-authorization")
    assert vault["properties"]["enablePurgeProtection"] and vault["properties"]["enableRbacAuthorization"]
    ra = az("role", "assignment", "create", "--assignee", upn, "--role", "Key Vault Crypto Officer",
            "--scope", vault["id"])
    assert ra["principalId"] == sandbox.learner_object_id and ra["principalType"] == "User"
    key = az("keyvault", "key", "create", "--vault-name", "kv-cli-task2", "-n", "cmk", "--kty", "RSA", "--size", "2048")
    assert key["key"]["kty"] == "RSA" and key["key"]["kid"].startswith("https://kv-cli-task2.vault.azure.net/keys/cmk/")
    policy_file = sandbox.state_dir / "policy.json"
    policy_file.write_text(json.dumps({
        "lifetimeActions": [{"trigger": {"timeAfterCreate": "P6M"}, "action": {"type": "Rotate"}},
                            {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
        "attributes": {"expiryTime": "P210D"}}))
    az("keyvault", "key", "rotation-policy", "update", "--vault-name", "kv-cli-task2", "-n", "cmk",
       "--value", str(policy_file))
    shown = az("keyvault", "key", "rotation-policy", "show", "--vault-name", "kv-cli-task2", "-n", "cmk")
    assert shown["expiresIn"] == "P210D" and any(a["action"] == "Rotate" for a in shown["lifetimeActions"])

    # Task 3: the Foundry (AIServices) account with a system-assigned identity and its own domain
    account = az("cognitiveservices", "account", "create", "-n", "ais-cli", "-g", "rg-cli", "-l", "eastus",
                 "--kind", "AIServices", "--sku", "S0", "--assign-identity", "--custom-domain", "ais-cli", "--yes")
    principal = account["identity"]["principalId"]
    assert account["identity"]["type"] == "SystemAssigned" and account["properties"]["endpoint"]

    # Task 4: the identity's key role by object id (Graph resolves it to a service principal)
    key_scope = f"{vault['id']}/keys/cmk"
    ra = az("role", "assignment", "create", "--assignee", principal, "--role",
            "Key Vault Crypto Service Encryption User", "--scope", key_scope)
    assert ra["principalType"] == "ServicePrincipal" and ra["scope"] == key_scope
    listed = az("role", "assignment", "list", "--assignee", principal, "--scope", key_scope)
    assert [r["roleDefinitionName"] for r in listed] == ["Key Vault Crypto Service Encryption User"]
    app_id = az("ad", "sp", "show", "--id", principal)["appId"]
    assert az("role", "assignment", "list", "--assignee", app_id, "--all")[0]["principalId"] == principal

    # Task 5: the customer-managed key on the account, read back
    version = key["key"]["kid"].rsplit("/", 1)[1]
    encryption = {"keySource": "Microsoft.KeyVault", "keyVaultProperties": {
        "keyName": "cmk", "keyVersion": version, "keyVaultUri": "https://kv-cli-task2.vault.azure.net/"}}
    az("cognitiveservices", "account", "update", "-n", "ais-cli", "-g", "rg-cli", "--encryption", json.dumps(encryption))
    props = az("cognitiveservices", "account", "show", "-n", "ais-cli", "-g", "rg-cli")["properties"]
    assert props["encryption"]["keySource"] == "Microsoft.KeyVault"
    assert props["encryption"]["keyVaultProperties"]["keyVersion"] == version
    assert az("cognitiveservices", "account", "identity", "show", "-n", "ais-cli", "-g", "rg-cli")["principalId"] == principal

    # A vault with the CLI's access-policy default: the CLI looks the signed-in user up in Graph (/me)
    ap_vault = az("keyvault", "create", "-n", "kv-cli-policies", "-g", "rg-cli", "-l", "eastus",
                  "--enable-rbac-authorization", "false")
    assert [p["objectId"] for p in ap_vault["properties"]["accessPolicies"]] == [sandbox.learner_object_id]

    # Task 6: cleanup, soft-deleted resources purged where Azure allows it
    az("cognitiveservices", "account", "delete", "-n", "ais-cli", "-g", "rg-cli")
    assert "ais-cli" in {a["name"] for a in az("cognitiveservices", "account", "list-deleted")}
    az("cognitiveservices", "account", "purge", "-n", "ais-cli", "-g", "rg-cli", "-l", "eastus")
    assert "ais-cli" not in {a["name"] for a in az("cognitiveservices", "account", "list-deleted")}
    az("keyvault", "delete", "-n", "kv-cli-task2")
    refused = az("keyvault", "purge", "-n", "kv-cli-task2", ok=False)     # purge protection: Azure refuses
    assert refused.returncode != 0 and "DeletedVaultPurge" in refused.stderr
    az("group", "delete", "-n", "rg-cli", "--yes")
    assert az("group", "exists", "-n", "rg-cli") is False


def test_usage_list_shows_the_account_meter_of_a_region(az):
    """`az cognitiveservices usage list -l` (Usages_List): the meter azd checks before creating an AIServices
    account, with the region's count of the subscription's accounts and the default limit of 30."""
    az("login", "--identity")
    az("group", "create", "-n", "rg-cli-usage", "-l", "westus")

    def meter() -> dict:
        (found,) = [u for u in az("cognitiveservices", "usage", "list", "-l", "westus")
                    if u["name"]["value"] == "OpenAI.S0.AccountCount"]
        return found

    before = meter()
    assert (before["currentValue"], before["limit"], before["unit"]) == (0, 30, "Count")
    az("cognitiveservices", "account", "create", "-n", "ais-cli-usage", "-g", "rg-cli-usage", "-l", "westus",
       "--kind", "AIServices", "--sku", "S0", "--custom-domain", "ais-cli-usage", "--yes")
    after = meter()
    in_region = [a for a in az("cognitiveservices", "account", "list") if a["location"] == "westus"]
    assert (after["currentValue"], after["limit"]) == (len(in_region), 30) == (1, 30)
