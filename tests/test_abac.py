"""ABAC conditions (conditionVersion 2.0): the delegation constraint in the definition of Key Vault
Data Access Administrator, conditions on assignments for Key Vault's key name, and unsupported
conditions that deny (Microsoft Learn: role-based-access-control/conditions-format.md,
delegate-role-assignments-overview.md)."""
from __future__ import annotations

import hashlib
import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm
from azure.mgmt.authorization import AuthorizationManagementClient

from helpers import KEY_VAULT_ADMINISTRATOR, OWNER, READER, grant, key_client, make_vault, managed_identity, role_id

KV_DATA_ACCESS_ADMINISTRATOR = "8b54135c-b56d-4d72-a534-26097cfdc8d8"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
SIGN = "Microsoft.KeyVault/vaults/keys/sign/action"


@pytest.fixture(scope="module")
def vault(sandbox, group):
    v = make_vault(sandbox, group)
    grant(sandbox, v.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    key_client(sandbox, v).create_rsa_key("cmk", size=2048)
    return v


def assign_as(sandbox, mi, scope: str, role: str, principal: str):
    client = AuthorizationManagementClient(sandbox.mi_credential(mi.object_id), sandbox.subscription_id)
    return client.role_assignments.create(scope, str(uuid.uuid4()), {
        "role_definition_id": role_id(sandbox, role), "principal_id": principal, "principal_type": "ServicePrincipal"})


def test_data_access_administrator_may_assign_only_the_key_vault_data_roles(sandbox, vault):
    admin, other = managed_identity(sandbox.sb, display_name="daa"), managed_identity(sandbox.sb, display_name="x")
    grant(sandbox, vault.id, KV_DATA_ACCESS_ADMINISTRATOR, admin.object_id, "ServicePrincipal")
    assert assign_as(sandbox, admin, vault.id, KEY_VAULT_CRYPTO_USER, other.object_id).principal_id == other.object_id
    with pytest.raises(HttpResponseError) as refused:
        assign_as(sandbox, admin, vault.id, OWNER, admin.object_id)          # itself Owner: Azure refuses
    assert refused.value.status_code == 403 and refused.value.error.code == "AuthorizationFailed"
    assert "ABAC condition" in refused.value.error.message


def signer(sandbox, vault, condition: str):
    mi = managed_identity(sandbox.sb, display_name="signer")
    AuthorizationManagementClient(sandbox.credential(), sandbox.subscription_id).role_assignments.create(
        vault.id, str(uuid.uuid4()), {"role_definition_id": role_id(sandbox, KEY_VAULT_CRYPTO_USER),
                                      "principal_id": mi.object_id, "principal_type": "ServicePrincipal",
                                      "condition": condition, "condition_version": "2.0"})
    credential = sandbox.mi_credential(mi.object_id)
    key = KeyClient(vault.properties.vault_uri, credential).get_key("cmk") if "Frob" not in condition else None
    return credential, key


def sign(credential, vault, key_id: str):
    return CryptographyClient(key_id, credential).sign(SignatureAlgorithm.rs256, hashlib.sha256(b"x").digest())


def test_a_condition_on_the_key_name_limits_signing_to_that_key(sandbox, vault):
    key_id = key_client(sandbox, vault).get_key("cmk").id
    credential, key = signer(sandbox, vault, f"((!(ActionMatches{{'{SIGN}'}})) OR "
                                             "(@Resource[Microsoft.KeyVault/vaults/keys:name] StringEquals 'no-such-key'))")
    assert key.id == key_id                              # reading is not what the condition limits
    with pytest.raises(HttpResponseError) as refused:
        sign(credential, vault, key_id)
    assert refused.value.status_code == 403
    credential, _ = signer(sandbox, vault, f"((!(ActionMatches{{'{SIGN}'}})) OR "
                                           "(@Resource[Microsoft.KeyVault/vaults/keys:name] StringEquals 'cmk'))")
    assert sign(credential, vault, key_id).signature


def test_an_unsupported_condition_denies(sandbox, vault):
    key_id = key_client(sandbox, vault).get_key("cmk").id
    credential, _ = signer(sandbox, vault, f"((!(ActionMatches{{'{SIGN}'}})) OR "
                                           "(@Resource[Microsoft.KeyVault/vaults/keys:name] StringFrobs 'cmk'))")
    for attempt in (lambda: KeyClient(vault.properties.vault_uri, credential).get_key("cmk"),
                    lambda: sign(credential, vault, key_id)):
        with pytest.raises(HttpResponseError) as refused:
            attempt()
        assert refused.value.status_code == 403


def test_a_condition_nested_past_any_reader_denies_and_breaks_no_other_call(sandbox, vault):
    """A condition is stored as text and read on every request its assignment could allow: nested 3,000
    deep it must deny (unsupported), not raise for every call after it."""
    deep = "(" * 3000 + f"ActionMatches{{'{SIGN}'}}" + ")" * 3000
    auth = AuthorizationManagementClient(sandbox.credential(), sandbox.subscription_id)
    group = vault.id.split("/providers/")[0]
    auth.role_assignments.create(group, str(uuid.uuid4()), {
        "role_definition_id": role_id(sandbox, READER), "principal_id": sandbox.learner_object_id,
        "condition": deep, "condition_version": "2.0"})
    assert [a.name for a in auth.role_assignments.list_for_scope(group)]         # Owner above still allows
    mi = managed_identity(sandbox.sb, display_name="deep")
    auth.role_assignments.create(vault.id, str(uuid.uuid4()), {
        "role_definition_id": role_id(sandbox, KEY_VAULT_CRYPTO_USER), "principal_id": mi.object_id,
        "principal_type": "ServicePrincipal", "condition": deep, "condition_version": "2.0"})
    with pytest.raises(HttpResponseError) as refused:
        sign(sandbox.mi_credential(mi.object_id), vault, key_client(sandbox, vault).get_key("cmk").id)
    assert refused.value.status_code == 403
