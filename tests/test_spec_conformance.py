"""Every operation the lab uses (specs README, "Operations covered by the stored examples"), driven
through the real SDK client over HTTPS, with each raw response checked against the published spec
of the api-version the client sends: the status must be one the operation declares, and the body
must match its schema. Errors are checked against the operation's error schema and, on ARM,
against common-types' ErrorResponse."""
from __future__ import annotations

import base64
import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicyAction
from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Identity, Project, Sku
from azure.mgmt.keyvault.models import VaultPatchParameters, VaultPatchProperties
from azure.mgmt.resource.subscriptions import SubscriptionClient

from helpers import (KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, auth_client, cognitive_client,
                     grant, key_client, make_vault, resource_client, role_id, unique, vault_client)
from specs import Capture, validate_arm_error, validate_response

RESOURCES = "Microsoft.Resources/2025-04-01/resources.json"
SUBSCRIPTIONS = "Microsoft.Resources/2022-12-01/subscriptions.json"
KEYVAULT = "Microsoft.KeyVault/2026-05-15/openapi.json"
KEYS = "Microsoft.KeyVault-dataplane/2025-07-01/keys.json"
ASSIGNMENTS = "Microsoft.Authorization/2022-04-01/authorization-RoleAssignmentsCalls.json"
DEFINITIONS = "Microsoft.Authorization/2022-04-01/authorization-RoleDefinitionsCalls.json"
COGNITIVE = "Microsoft.CognitiveServices/2025-09-01/cognitiveservices.json"


def conforms(spec: str, operation_id: str, call, *args, **kwargs):
    """Run one SDK call and check every response it received (pages, polls) against the operation."""
    capture = Capture()
    result = call(*args, raw_response_hook=capture, **kwargs)
    if hasattr(result, "result"):                     # a poller: let it finish under the same hook
        result = result.result()
    elif hasattr(result, "by_page"):                  # a pager: fetch every page
        result = list(result)
    assert capture.responses, f"{operation_id}: no response was captured"
    for status, body in capture.responses:
        validate_response(spec, operation_id, status, body)
    return result


def refused(spec: str, operation_id: str, call, *args, arm: bool = True, **kwargs) -> HttpResponseError:
    """Run a call that must fail; its error body must match the operation's error schema."""
    capture = Capture()
    with pytest.raises(HttpResponseError) as err:
        result = call(*args, raw_response_hook=capture, **kwargs)
        if hasattr(result, "by_page"):
            list(result)
    status, body = capture.responses[-1]
    validate_response(spec, operation_id, status, body)
    if arm:
        validate_arm_error(body)
    return err.value


def test_resource_groups_and_providers(sandbox):
    rm = resource_client(sandbox)
    name = unique("rg-spec-")
    conforms(RESOURCES, "ResourceGroups_CreateOrUpdate", rm.resource_groups.create_or_update, name,
             {"location": "westeurope", "tags": {"lab": "cmk"}})           # 201
    conforms(RESOURCES, "ResourceGroups_CreateOrUpdate", rm.resource_groups.create_or_update, name,
             {"location": "westeurope"})                                   # 200
    conforms(RESOURCES, "ResourceGroups_Get", rm.resource_groups.get, name)
    conforms(RESOURCES, "ResourceGroups_List", rm.resource_groups.list)
    conforms(RESOURCES, "Providers_Get", rm.providers.get, "Microsoft.KeyVault")
    conforms(RESOURCES, "Providers_List", rm.providers.list)
    conforms(RESOURCES, "Resources_List", rm.resources.list)
    conforms(RESOURCES, "ResourceGroups_Delete", rm.resource_groups.begin_delete, name)
    err = refused(RESOURCES, "ResourceGroups_Get", rm.resource_groups.get, name)
    assert err.error.code == "ResourceGroupNotFound"
    err = refused(RESOURCES, "Providers_Get", rm.providers.get, "Microsoft.Nothing")
    assert err.error.code == "InvalidResourceNamespace"


def test_subscriptions_and_locations(sandbox):
    subs = SubscriptionClient(sandbox.credential())
    conforms(SUBSCRIPTIONS, "Subscriptions_List", subs.subscriptions.list)
    conforms(SUBSCRIPTIONS, "Subscriptions_Get", subs.subscriptions.get, sandbox.subscription_id)
    conforms(SUBSCRIPTIONS, "Subscriptions_ListLocations", subs.subscriptions.list_locations, sandbox.subscription_id)
    err = refused(SUBSCRIPTIONS, "Subscriptions_Get", subs.subscriptions.get, str(uuid.uuid4()))
    assert err.error.code == "SubscriptionNotFound"


def test_key_vault_management(sandbox, group):
    kv = vault_client(sandbox)
    name = unique()
    available = conforms(KEYVAULT, "Vaults_CheckNameAvailability", kv.vaults.check_name_availability,
                         {"name": name, "type": "Microsoft.KeyVault/vaults"})
    assert available.name_available
    conforms(KEYVAULT, "Vaults_CreateOrUpdate", kv.vaults.begin_create_or_update, group, name, {
        "location": "eastus", "tags": {"lab": "cmk"},
        "properties": {"tenantId": sandbox.tenant_id, "sku": {"family": "A", "name": "standard"},
                       "enablePurgeProtection": None, "softDeleteRetentionInDays": 7}})
    conforms(KEYVAULT, "Vaults_Get", kv.vaults.get, group, name)
    conforms(KEYVAULT, "Vaults_Update", kv.vaults.update, group, name,
             VaultPatchParameters(tags={"stage": "2"}, properties=VaultPatchProperties(enabled_for_deployment=False)))
    conforms(KEYVAULT, "Vaults_ListByResourceGroup", kv.vaults.list_by_resource_group, group)
    conforms(KEYVAULT, "Vaults_List", kv.vaults.list)
    conforms(KEYVAULT, "Vaults_Delete", kv.vaults.delete, group, name)
    conforms(KEYVAULT, "Vaults_ListDeleted", kv.vaults.list_deleted)
    conforms(KEYVAULT, "Vaults_GetDeleted", kv.vaults.get_deleted, name, "eastus")
    conforms(KEYVAULT, "Vaults_PurgeDeleted", kv.vaults.begin_purge_deleted, name, "eastus")
    err = refused(KEYVAULT, "Vaults_Get", kv.vaults.get, group, name)
    assert err.error.code == "ResourceNotFound"
    err = refused(KEYVAULT, "Vaults_GetDeleted", kv.vaults.get_deleted, name, "eastus")
    assert err.error.code == "ResourceNotFound"


def test_key_vault_keys(sandbox, group):
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    keys = key_client(sandbox, vault)
    key = conforms(KEYS, "CreateKey", keys.create_rsa_key, "cmk", size=3072, tags={"lab": "cmk"})
    conforms(KEYS, "GetKey", keys.get_key, "cmk")
    conforms(KEYS, "UpdateKey", keys.update_key_properties, "cmk", tags={"stage": "2"})
    conforms(KEYS, "RotateKey", keys.rotate_key, "cmk")
    conforms(KEYS, "GetKeyVersions", keys.list_properties_of_key_versions, "cmk")
    conforms(KEYS, "GetKeyRotationPolicy", keys.get_key_rotation_policy, "cmk")
    # update_key_rotation_policy does not pass a call's hook on: a client-wide one sees its response
    policy_capture = Capture()
    key_client(sandbox, vault, raw_response_hook=policy_capture) \
        .update_key_rotation_policy("cmk", None, expires_in="P1Y", lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P90D")])
    validate_response(KEYS, "UpdateKeyRotationPolicy", policy_capture.status, policy_capture.body)
    conforms(KEYS, "GetKeyRotationPolicy", keys.get_key_rotation_policy, "cmk")
    # CryptographyClient wraps locally with the public key; the service's wrapKey is asked directly.
    latest = keys.get_key("cmk")
    capture = Capture()
    url = f"/keys/cmk/{latest.properties.version}/wrapkey?api-version=2025-07-01"
    wrapped = keys.send_request(HttpRequest("POST", url, json={"alg": "RSA-OAEP-256", "value": "AAECAwQFBgcICQoLDA0ODw"}),
                                raw_response_hook=capture)
    assert wrapped.status_code == 200
    validate_response(KEYS, "wrapKey", capture.status, capture.body)
    crypto = CryptographyClient(latest.id, sandbox.credential())
    conforms(KEYS, "unwrapKey", crypto.unwrap_key, KeyWrapAlgorithm.rsa_oaep_256,
             base64.urlsafe_b64decode(capture.body["value"] + "=" * (-len(capture.body["value"]) % 4)))
    err = refused(KEYS, "GetKey", keys.get_key, "missing", arm=False)
    assert err.status_code == 404 and err.error.code == "KeyNotFound"
    assert key.name == "cmk"


def test_role_definitions_and_assignments(sandbox, group):
    auth = auth_client(sandbox)
    sub = f"/subscriptions/{sandbox.subscription_id}"
    conforms(DEFINITIONS, "RoleDefinitions_List", auth.role_definitions.list, sub,
             filter="roleName eq 'Key Vault Crypto Service Encryption User'")
    conforms(DEFINITIONS, "RoleDefinitions_Get", auth.role_definitions.get, sub,
             KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER)
    vault = make_vault(sandbox, group)
    name = str(uuid.uuid4())
    created = conforms(ASSIGNMENTS, "RoleAssignments_Create", auth.role_assignments.create, vault.id, name, {
        "role_definition_id": role_id(sandbox, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER),
        "principal_id": sandbox.learner_object_id, "principal_type": "User", "description": "spec check"})
    assert created.name == name
    conforms(ASSIGNMENTS, "RoleAssignments_Get", auth.role_assignments.get, vault.id, name)
    conforms(ASSIGNMENTS, "RoleAssignments_ListForScope", auth.role_assignments.list_for_scope, vault.id,
             filter="atScope()")
    conforms(ASSIGNMENTS, "RoleAssignments_ListForSubscription", auth.role_assignments.list_for_subscription)
    conforms(ASSIGNMENTS, "RoleAssignments_Delete", auth.role_assignments.delete, vault.id, name)
    err = refused(ASSIGNMENTS, "RoleAssignments_Get", auth.role_assignments.get, vault.id, name)
    assert err.error.code == "RoleAssignmentNotFound"
    err = refused(DEFINITIONS, "RoleDefinitions_Get", auth.role_definitions.get, sub, str(uuid.uuid4()))
    assert err.error.code == "RoleDefinitionDoesNotExist"


@pytest.mark.xdist_group("cognitive")
def test_cognitive_services_accounts_and_projects(sandbox, group):
    cs = cognitive_client(sandbox)
    name = unique("ais-")
    conforms(COGNITIVE, "CheckDomainAvailability", cs.check_domain_availability, name,
             "Microsoft.CognitiveServices/accounts", kind="AIServices")
    conforms(COGNITIVE, "Accounts_Create", cs.accounts.begin_create, group, name, Account(
        kind="AIServices", sku=Sku(name="S0"), location="eastus", identity=Identity(type="SystemAssigned"),
        tags={"lab": "cmk"}, properties=AccountProperties(custom_sub_domain_name=name, allow_project_management=True)))
    conforms(COGNITIVE, "Accounts_Get", cs.accounts.get, group, name)
    conforms(COGNITIVE, "Accounts_Update", cs.accounts.begin_update, group, name, Account(tags={"stage": "2"}))
    conforms(COGNITIVE, "Projects_Create", cs.projects.begin_create, group, name, "proj", Project(location="eastus"))
    conforms(COGNITIVE, "Projects_Get", cs.projects.get, group, name, "proj")
    conforms(COGNITIVE, "Accounts_Get", cs.accounts.get, group, name)            # with associatedProjects
    conforms(COGNITIVE, "Accounts_Delete", cs.accounts.begin_delete, group, name)
    conforms(COGNITIVE, "DeletedAccounts_List", cs.deleted_accounts.list)
    conforms(COGNITIVE, "DeletedAccounts_Get", cs.deleted_accounts.get, "eastus", group, name)
    conforms(COGNITIVE, "DeletedAccounts_Purge", cs.deleted_accounts.begin_purge, "eastus", group, name)
    err = refused(COGNITIVE, "Accounts_Get", cs.accounts.get, group, name)
    assert err.error.code == "ResourceNotFound"
