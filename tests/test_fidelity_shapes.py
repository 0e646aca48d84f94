"""Shapes the lab's own clients never needed but other clients (ARM templates, Bicep, the Azure CLI)
do, each checked against the published REST spec (tests/specs) with the real SDK over HTTP."""
from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.keyvault.models import (AccessPolicyEntry, AccessPolicyUpdateKind, KeyCreateParameters, KeyProperties,
                                        Permissions, VaultAccessPolicyParameters, VaultAccessPolicyProperties)

from helpers import KEY_VAULT_CRYPTO_OFFICER, grant, key_client, make_vault, vault_client
from specs import Capture, validate_response

KV_SPEC = "Microsoft.KeyVault/2026-05-15/openapi.json"


def test_arm_vault_keys_create_get_list_as_templates_use_them(sandbox, group):
    """Microsoft.KeyVault/vaults/keys through ARM: Contributor-level management RBAC, no data role."""
    vault = make_vault(sandbox, group)
    client, cap = vault_client(sandbox), Capture()
    params = KeyCreateParameters(properties=KeyProperties(kty="RSA", key_size=3072, key_ops=["wrapKey", "unwrapKey"]),
                                 tags={"purpose": "cmk"})
    key = client.keys.create_if_not_exist(group, vault.name, "cmk", params, raw_response_hook=cap)
    validate_response(KV_SPEC, "Keys_CreateIfNotExist", cap.status, cap.body)
    assert cap.body["type"] == "Microsoft.KeyVault/vaults/keys" and key.name == "cmk"
    assert key.key_size == 3072 and key.kty == "RSA" and key.tags == {"purpose": "cmk"}
    assert key.key_uri == f"https://{vault.name}.vault.azure.net/keys/cmk"
    version = key.key_uri_with_version.rsplit("/", 1)[1]
    # "If it already exists, then the existing key is returned without any write operations" (spec)
    again = client.keys.create_if_not_exist(group, vault.name, "cmk", KeyCreateParameters(
        properties=KeyProperties(kty="RSA", key_size=2048)))
    assert again.key_uri_with_version == key.key_uri_with_version and again.key_size == 3072
    got = client.keys.get(group, vault.name, "cmk", raw_response_hook=cap)
    validate_response(KV_SPEC, "Keys_Get", cap.status, cap.body)
    assert got.id == f"{vault.id}/keys/cmk"
    listed = list(client.keys.list(group, vault.name, raw_response_hook=cap))
    validate_response(KV_SPEC, "Keys_List", cap.status, cap.body)
    assert [k.name for k in listed] == ["cmk"]
    versions = list(client.keys.list_versions(group, vault.name, "cmk", raw_response_hook=cap))
    validate_response(KV_SPEC, "Keys_ListVersions", cap.status, cap.body)
    assert [v.name for v in versions] == [version]
    assert client.keys.get_version(group, vault.name, "cmk", version).key_uri_with_version == key.key_uri_with_version
    with pytest.raises(ResourceNotFoundError) as err:
        client.keys.get(group, vault.name, "nokey")
    assert err.value.error.code == "ResourceNotFound"
    # the same key on the data plane
    grant(sandbox, vault.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    assert key_client(sandbox, vault).get_key("cmk").properties.version == version


def test_vault_access_policies_add_replace_remove(sandbox, group):
    vault = make_vault(sandbox, group, rbac=False, policies=[])
    client, cap = vault_client(sandbox), Capture()

    def update(kind, *keys):
        entry = AccessPolicyEntry(tenant_id=sandbox.tenant_id, object_id=sandbox.learner_object_id,
                                  permissions=Permissions(keys_property=list(keys)))
        return client.vaults.update_access_policy(group, vault.name, kind, VaultAccessPolicyParameters(
            properties=VaultAccessPolicyProperties(access_policies=[entry])), raw_response_hook=cap)

    update(AccessPolicyUpdateKind.ADD, "get", "create")
    validate_response(KV_SPEC, "Vaults_UpdateAccessPolicy", cap.status, cap.body)
    assert cap.body["type"] == "Microsoft.KeyVault/vaults/accessPolicies"
    update(AccessPolicyUpdateKind.ADD, "wrapKey")
    policies = client.vaults.get(group, vault.name).properties.access_policies
    assert len(policies) == 1 and sorted(policies[0].permissions.keys_property) == ["create", "get", "wrapKey"]
    update(AccessPolicyUpdateKind.REPLACE, "get")
    assert client.vaults.get(group, vault.name).properties.access_policies[0].permissions.keys_property == ["get"]
    # the data plane follows the policy:
    with pytest.raises(HttpResponseError) as err:
        key_client(sandbox, vault).create_rsa_key("k")
    assert err.value.status_code == 403 and "does not have keys create permission" in err.value.message
    update(AccessPolicyUpdateKind.REMOVE, "get")
    assert not client.vaults.get(group, vault.name).properties.access_policies
    with pytest.raises(HttpResponseError) as err:
        client.vaults.update_access_policy(group, vault.name, "merge", VaultAccessPolicyParameters(
            properties=VaultAccessPolicyProperties(access_policies=[])))
    assert err.value.status_code == 400



def test_invalid_resource_type_names_the_nested_type(sandbox, group):
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
    from azure.core.rest import HttpRequest
    from helpers import ARM
    vault = make_vault(sandbox, group)
    arm = PipelineClient(ARM, policies=[BearerTokenCredentialPolicy(sandbox.credential(), f"{ARM}/.default"),
                                        RetryPolicy(total=0)])
    resp = arm.send_request(HttpRequest("GET", f"{ARM}{vault.id}/secrets/s1", params={"api-version": "2026-05-15"}))
    assert resp.status_code == 400 and resp.json()["error"] == {
        "code": "InvalidResourceType",
        "message": "The resource type 'vaults/secrets' could not be found in the namespace 'Microsoft.KeyVault' for "
                   "api version '2026-05-15'."}


def test_vault_create_answers_200_as_azure_does(sandbox, group):
    """Azure answers a vault PUT 200, created or not (the azure-cli keyvault recordings; issue #8)."""
    cap = Capture()
    make = vault_client(sandbox).vaults.begin_create_or_update
    make(group, "kv" + group[-12:], {"location": "eastus", "properties": {
        "tenantId": sandbox.tenant_id, "sku": {"family": "A", "name": "standard"}}}, raw_response_hook=cap).result()
    assert cap.responses[0][0] == 200


CS_SPEC = "Microsoft.CognitiveServices/2025-09-01/cognitiveservices.json"
KEYS_SPEC = "Microsoft.KeyVault-dataplane/2025-07-01/keys.json"
AUTH_SPEC = "Microsoft.Authorization/2022-04-01/authorization-RoleDefinitionsCalls.json"


def test_account_keys_and_their_refusal_when_local_auth_is_disabled(sandbox, group):
    from helpers import cognitive_client, new_account
    cs, cap = cognitive_client(sandbox), Capture()
    account = new_account(cs, group, identity=None)
    keys = cs.accounts.list_keys(group, account.name, raw_response_hook=cap)
    validate_response(CS_SPEC, "Accounts_ListKeys", cap.status, cap.body)
    assert keys.key1 and keys.key2 and keys.key1 != keys.key2
    assert cs.accounts.list_keys(group, account.name).key1 == keys.key1            # stable until regenerated
    fresh = cs.accounts.regenerate_key(group, account.name, key_name="Key2")
    assert fresh.key1 == keys.key1 and fresh.key2 != keys.key2
    assert "key1" not in json.dumps(cs.accounts.get(group, account.name).as_dict()).lower()   # never in the resource
    cs.accounts.begin_update(group, account.name, {"properties": {"disableLocalAuth": True}}).result()
    for call in (lambda: cs.accounts.list_keys(group, account.name),
                 lambda: cs.accounts.regenerate_key(group, account.name, key_name="Key1")):
        with pytest.raises(HttpResponseError) as err:
            call()
        # Azure/terraform-azurerm-avm-res-cognitiveservices-account#130: the recorded refusal
        assert err.value.status_code == 400 and err.value.error.code == "BadRequest"
        assert "disableLocalAuth is set to be true" in err.value.error.message


def test_account_shapes_identity_none_system_data_and_deleted_type(sandbox, group):
    from helpers import cognitive_client, new_account
    cs, cap = cognitive_client(sandbox), Capture()
    account = new_account(cs, group)
    body = cs.accounts.get(group, account.name, raw_response_hook=cap) and cap.body
    validate_response(CS_SPEC, "Accounts_Get", cap.status, body)
    # systemData as the recorded account answers carry it (azure-cli test_cognitiveservices_aiservices.yaml)
    learner_upn = sandbox.sb.learner.upn
    assert body["systemData"]["createdBy"] == learner_upn and body["systemData"]["createdByType"] == "User"
    cs.accounts.begin_update(group, account.name, {"identity": {"type": "None"}}).result()
    cs.accounts.get(group, account.name, raw_response_hook=cap)
    assert cap.body["identity"] == {"type": "None"}                 # Azure returns it once set
    assert cap.body["systemData"]["createdAt"] == body["systemData"]["createdAt"]
    cs.accounts.begin_delete(group, account.name).result()
    deleted = cs.deleted_accounts.get("eastus", group, account.name, raw_response_hook=cap)
    validate_response(CS_SPEC, "DeletedAccounts_Get", cap.status, cap.body)
    assert deleted.type == "Microsoft.CognitiveServices/deletedAccounts"
    assert {a.type for a in cs.deleted_accounts.list()} == {"Microsoft.CognitiveServices/deletedAccounts"}


def test_role_definitions_carry_their_dates(sandbox):
    from helpers import OWNER, auth_client
    cap = Capture()
    auth_client(sandbox).role_definitions.get(f"/subscriptions/{sandbox.subscription_id}", OWNER,
                                              raw_response_hook=cap)
    validate_response(AUTH_SPEC, "RoleDefinitions_Get", cap.status, cap.body)
    props = cap.body["properties"]
    assert props["createdOn"].endswith("Z") and props["updatedOn"] >= props["createdOn"]
    assert "createdBy" in props and props["createdBy"] is None and props["updatedBy"] is None


def test_key_bundles_carry_hsm_platform_and_no_empty_tags(sandbox, group):
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    kc, cap = key_client(sandbox, vault), Capture()
    kc.create_rsa_key("plain", raw_response_hook=cap)
    validate_response(KEYS_SPEC, "CreateKey", cap.status, cap.body)
    assert "tags" not in cap.body and cap.body["attributes"]["hsmPlatform"] == "0"
    kc.create_rsa_key("tagged", tags={"a": "b"}, raw_response_hook=cap)
    assert cap.body["tags"] == {"a": "b"}
    got = kc.get_key("plain")
    assert got.properties.hsm_platform == "0" and not got.properties.tags


def test_the_request_log_keeps_the_query_without_secrets(sandbox):
    """A refused api-version can be seen in the log; a secret in a query cannot."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
    from azure.core.rest import HttpRequest
    from helpers import ARM
    arm = PipelineClient(ARM, policies=[BearerTokenCredentialPolicy(sandbox.credential(), f"{ARM}/.default"),
                                        RetryPolicy(total=0)])
    url = f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups"
    resp = arm.send_request(HttpRequest("GET", url, params={"api-version": "1999-09-09", "sig": "s3cr3t-sig",
                                                            "client_secret": "s3cr3t-value"}))
    assert resp.status_code == 400
    import time
    deadline = time.monotonic() + 10           # the server writes its log line after the answer
    while True:
        entries = [json.loads(line) for line in (sandbox.state_dir / "requests.log").read_text().splitlines()]
        mine = [e for e in entries if "1999-09-09" in e["path"]]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert mine and mine[-1]["status"] == 400 and "api-version=1999-09-09" in mine[-1]["path"]
    text = (sandbox.state_dir / "requests.log").read_text()
    assert "s3cr3t" not in text and "sig=REDACTED" in mine[-1]["path"]


def test_hsm_platform_only_in_the_versions_that_have_it(sandbox, group):
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
    from azure.core.rest import HttpRequest
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    key_client(sandbox, vault).create_rsa_key("k")
    base = vault.properties.vault_uri.rstrip("/")
    kv = PipelineClient(base, policies=[BearerTokenCredentialPolicy(sandbox.credential(), "https://vault.azure.net/.default"),
                                        RetryPolicy(total=0)])
    for version, present in (("7.4", False), ("7.5", True), ("2025-07-01", True), ("7.0", False)):
        for path in ("/keys/k", "/keys"):
            body = kv.send_request(HttpRequest("GET", base + path, params={"api-version": version})).json()
            attrs = body["attributes"] if path == "/keys/k" else body["value"][0]["attributes"]
            assert ("hsmPlatform" in attrs) is present, (version, path)
