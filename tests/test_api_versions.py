"""The api-version table (labhelpers/sandbox/data/api-versions.json): every served type answers a
GET at every version in it, the refresh script reads an azure-rest-api-specs tree, and the switch
for versions newer than the table works. Real SDK credentials, real HTTP through the proxy."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
from azure.core.rest import HttpRequest

from azure.mgmt.msi import ManagedServiceIdentityClient

from helpers import (ARM, KEY_VAULT_CRYPTO_OFFICER, cognitive_client, grant, key_client, make_group, make_vault,
                     new_account, vault_client)
from labhelpers.sandbox import catalog

TYPES = catalog.API_VERSIONS_TABLE["types"]
# Table entries with no GET of their own (POST-only checks, operation polls, Graph's path versions,
# access policies); every other entry must appear in the GET map below, so a new one cannot be skipped.
NO_GET = {"Microsoft.KeyVault/checkNameAvailability", "Microsoft.CognitiveServices/checkDomainAvailability",
          "Microsoft.KeyVault/locations", "Microsoft.KeyVault/locations/operationResults",
          "Microsoft.KeyVault/operations", "Microsoft.CognitiveServices/locations",
          "Microsoft.CognitiveServices/locations/operationResults", "Microsoft.CognitiveServices/operations",
          "Microsoft.Resources/subscriptions/operationresults", "Microsoft.Resources/subscriptions/resourceGroups",
          "graph.microsoft.com",
          "Microsoft.KeyVault/vaults/accessPolicies"}     # PUT …/accessPolicies/{add|replace|remove} only


def _client(sandbox, base: str, scope: str) -> PipelineClient:
    return PipelineClient(base, policies=[BearerTokenCredentialPolicy(sandbox.credential(), scope),
                                          RetryPolicy(total=0)])


@pytest.fixture(scope="module")
def served(sandbox):
    """One resource of every served type, and the GET path of each (relative to its host)."""
    group = make_group(sandbox)
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    kc = key_client(sandbox, vault)
    kc.create_rsa_key("k1")
    cs = cognitive_client(sandbox)
    account = new_account(cs, group, allow_project_management=True)
    cs.projects.begin_create(group, account.name, "p1", {"location": "eastus", "identity": {"type": "SystemAssigned"},
                                                          "properties": {}}).result()
    gone = new_account(cs, group, identity=None)
    cs.accounts.begin_delete(group, gone.name).result()
    ManagedServiceIdentityClient(sandbox.credential(), sandbox.subscription_id).user_assigned_identities \
        .create_or_update(group, "uai-1", {"location": "eastus"})
    deleted_vault = make_vault(sandbox, group)
    vault_client(sandbox).vaults.delete(group, deleted_vault.name)
    sub = f"/subscriptions/{sandbox.subscription_id}"
    rg = f"{sub}/resourceGroups/{group}"
    paths = {
        "Microsoft.Resources/subscriptions": sub,
        "Microsoft.Resources/subscriptions/locations": f"{sub}/locations",
        "Microsoft.Resources/subscriptions/providers": f"{sub}/providers/Microsoft.KeyVault",
        "Microsoft.Resources/providers": f"{sub}/providers",
        "Microsoft.Resources/tenants": "/tenants",
        "Microsoft.Resources/resourceGroups": rg,
        "Microsoft.Authorization/roleAssignments": f"{rg}/providers/Microsoft.Authorization/roleAssignments",
        "Microsoft.Authorization/roleDefinitions": f"{sub}/providers/Microsoft.Authorization/roleDefinitions",
        "Microsoft.KeyVault/vaults": vault.id,
        "Microsoft.KeyVault/vaults/keys": f"{vault.id}/keys/k1",
        "Microsoft.KeyVault/deletedVaults": f"{sub}/providers/Microsoft.KeyVault/deletedVaults",
        "Microsoft.KeyVault/locations/deletedVaults":
            f"{sub}/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/{deleted_vault.name}",
        "Microsoft.CognitiveServices/accounts": account.id,
        "Microsoft.CognitiveServices/accounts/projects": f"{account.id}/projects/p1",
        "Microsoft.CognitiveServices/deletedAccounts": f"{sub}/providers/Microsoft.CognitiveServices/deletedAccounts",
        "Microsoft.CognitiveServices/locations/resourceGroups/deletedAccounts":
            f"{sub}/providers/Microsoft.CognitiveServices/locations/eastus/resourceGroups/{group}"
            f"/deletedAccounts/{gone.name}",
        "Microsoft.ManagedIdentity/userAssignedIdentities":
            f"{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-1",
        "vault.azure.net/keys": "/keys/k1",
    }
    return {"paths": paths, "vault_uri": vault.properties.vault_uri.rstrip("/")}


def test_the_table_names_its_source_and_covers_what_clients_send():
    table = catalog.API_VERSIONS_TABLE
    assert "azure-rest-api-specs" in table["source"] and "refresh_api_versions.py" in table["refresh"]
    # What the Azure CLI 2.91 and the SDK betas send (issue #8): all published, so all accepted.
    assert {"7.6-preview.2", "2026-01-01-preview", "2025-07-01", "7.0"} <= set(TYPES["vault.azure.net/keys"]["versions"])
    assert "2026-05-15-preview" in TYPES["Microsoft.CognitiveServices/accounts"]["versions"]


def test_every_served_type_answers_a_get_at_every_version_in_the_table(sandbox, served):
    assert set(TYPES) - NO_GET == set(served["paths"]), "a table entry without a GET in this test"
    arm = _client(sandbox, ARM, f"{ARM}/.default")
    kv = _client(sandbox, served["vault_uri"], "https://vault.azure.net/.default")
    refused = []
    for key, path in served["paths"].items():
        client, base = (kv, served["vault_uri"]) if key.startswith("vault.azure.net") else (arm, ARM)
        for version in TYPES[key]["versions"]:
            resp = client.send_request(HttpRequest("GET", base + path, params={"api-version": version}))
            if resp.status_code != 200:
                refused.append((key, version, resp.status_code, resp.text()[:200]))
    assert not refused, sorted({(k, s) for k, _, s, _ in refused})


def test_a_version_newer_than_the_table_is_refused_unless_the_switch_is_on(start_sandbox):
    newest = max(TYPES["Microsoft.Resources/resourceGroups"]["versions"])
    future = f"{int(newest[:4]) + 5}{newest[4:10]}"
    for args, expected in (((), 400), (("--accept-newer-api-versions",), 200)):
        sandbox = start_sandbox(*args)
        with sandbox.activated():
            arm = _client(sandbox, ARM, f"{ARM}/.default")
            url = f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups"
            assert arm.send_request(HttpRequest("GET", url, params={"api-version": future})).status_code == expected
            # a malformed version is refused either way
            assert arm.send_request(HttpRequest("GET", url, params={"api-version": "2099-13"})).status_code == 400


def test_refresh_script_reads_an_azure_rest_api_specs_tree(tmp_path):
    specs = tmp_path / "specs" / "specification"
    kv = specs / "keyvault" / "resource-manager" / "Microsoft.KeyVault" / "KeyVault"
    for folder, paths in (("stable/2030-01-01", {"/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{v}": {},
                                                 "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{v}/keys/{k}": {}}),
                          ("preview/2030-02-01-preview", {"/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{v}": {}})):
        (kv / folder).mkdir(parents=True)
        (kv / folder / "openapi.json").write_text(json.dumps({"paths": paths}))
        (kv / folder / "examples").mkdir()
    keys = specs / "keyvault" / "data-plane" / "Keys"
    keys.mkdir(parents=True)
    (keys / "main.tsp").write_text('enum Versions {\n  `v7.5`: "7.5",\n  v2030_01_01: "2030-01-01",\n}\n')
    out = tmp_path / "table.json"
    out.write_text(json.dumps({"types": {"graph.microsoft.com": {"versions": ["v1.0"], "source": "ours"}}}))
    subprocess.run([sys.executable, "tools/refresh_api_versions.py", str(tmp_path / "specs"), "--out", str(out)],
                   check=True, capture_output=True, cwd=catalog.Path(__file__).resolve().parent.parent)
    table = json.loads(out.read_text())["types"]
    assert table["Microsoft.KeyVault/vaults"]["versions"] == ["2030-01-01", "2030-02-01-preview"]
    assert table["Microsoft.KeyVault/vaults/keys"]["versions"] == ["2030-01-01"]
    assert table["vault.azure.net/keys"]["versions"] == ["2030-01-01", "7.5"]
    assert table["graph.microsoft.com"] == {"versions": ["v1.0"], "source": "ours"}
