"""The whole exercise (seed tasks 1-6) with the Azure SDK clients alone, as the notebooks do it:
a vault with purge protection and RBAC, the learner as Key Vault Administrator, an RSA-2048 key with
its rotation policy, a Foundry resource with a system-assigned identity and a default project, the
least-privilege role for that identity on the key, the switch to the customer-managed key, and the
cleanup. Checks at each step read the real state back."""
from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.keys import (KeyClient, KeyRotationLifetimeAction, KeyRotationPolicy,
                                 KeyRotationPolicyAction)
from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (Account, AccountProperties, Encryption, Identity,
                                                 KeyVaultProperties, Project, ProjectProperties, Sku)
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import Sku as VaultSku
from azure.mgmt.keyvault.models import VaultCreateOrUpdateParameters, VaultProperties
from azure.mgmt.resource.resources import ResourceManagementClient

from labhelpers.sandbox.providers.keyvault import audit

pytestmark = pytest.mark.xdist_group("exercise")


def role_id(sub: str, auth: AuthorizationManagementClient, name: str) -> str:
    found = list(auth.role_definitions.list(f"/subscriptions/{sub}", filter=f"roleName eq '{name}'"))
    assert len(found) == 1, name
    return found[0].id


def test_the_whole_exercise(sandbox):
    sub, cred = sandbox.subscription_id, sandbox.credential()
    suffix = uuid.uuid4().hex[:8]
    group, vault_name, key_name = f"aifoundry-cmkencryption-RG-{suffix}", f"kv-cmk-{suffix}", "aifoundry-encryption-key"
    foundry, project = f"aifoundry-cmk-{suffix}", "aifoundry-cmkencryption-project01"
    rm = ResourceManagementClient(cred, sub)
    kvm = KeyVaultManagementClient(cred, sub)
    auth = AuthorizationManagementClient(cred, sub)
    cs = CognitiveServicesManagementClient(cred, sub)

    # Task 1: a key vault with purge protection and the RBAC permission model.
    rm.resource_groups.create_or_update(group, {"location": "eastus"})
    vault = kvm.vaults.begin_create_or_update(group, vault_name, VaultCreateOrUpdateParameters(
        location="eastus", properties=VaultProperties(
            tenant_id=sandbox.tenant_id, sku=VaultSku(family="A", name="standard"),
            enable_rbac_authorization=True, enable_purge_protection=True))).result()
    assert vault.properties.enable_purge_protection and vault.properties.enable_rbac_authorization

    # Task 2: the learner makes itself Key Vault Administrator, then creates the key and its policy.
    keys = KeyClient(vault.properties.vault_uri, cred)
    with pytest.raises(HttpResponseError) as err:           # Owner has no data actions
        keys.create_rsa_key(key_name, size=2048)
    assert err.value.status_code == 403
    auth.role_assignments.create(vault.id, str(uuid.uuid4()), {
        "role_definition_id": role_id(sub, auth, "Key Vault Administrator"),
        "principal_id": sandbox.learner_object_id, "principal_type": "User"})
    key = keys.create_rsa_key(key_name, size=2048, enabled=True)
    policy = keys.update_key_rotation_policy(key_name, KeyRotationPolicy(expires_in="P210D", lifetime_actions=[
        KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P6M")]))
    assert policy.expires_in == "P210D"
    assert any(a.action == KeyRotationPolicyAction.rotate and a.time_after_create == "P6M"
               for a in policy.lifetime_actions)

    # Task 3: the Foundry resource, system-assigned identity, Microsoft-managed keys, default project.
    account = cs.accounts.begin_create(group, foundry, Account(
        kind="AIServices", sku=Sku(name="S0"), location="eastus", identity=Identity(type="SystemAssigned"),
        properties=AccountProperties(custom_sub_domain_name=foundry, allow_project_management=True,
                                     public_network_access="Enabled"))).result()
    principal = account.identity.principal_id
    assert principal and account.properties.encryption is None
    cs.projects.begin_create(group, foundry, project, Project(
        location="eastus", identity=Identity(type="SystemAssigned"),
        properties=ProjectProperties(display_name=project))).result()
    assert cs.projects.get(group, foundry, project).properties.is_default is True
    assert cs.accounts.get(group, foundry).properties.default_project == project

    # Before task 4, switching to the key fails and names the missing permission.
    encryption = Encryption(key_source="Microsoft.KeyVault", key_vault_properties=KeyVaultProperties(
        key_name=key_name, key_vault_uri=vault.properties.vault_uri))
    with pytest.raises(HttpResponseError) as err:
        cs.accounts.begin_update(group, foundry, Account(properties=AccountProperties(encryption=encryption))).result()
    assert principal in err.value.error.message
    assert "Microsoft.KeyVault/vaults/keys/read" in err.value.error.message

    # Task 4: least privilege for the identity, on the key only.
    auth.role_assignments.create(f"{vault.id}/keys/{key_name}", str(uuid.uuid4()), {
        "role_definition_id": role_id(sub, auth, "Key Vault Crypto Service Encryption User"),
        "principal_id": principal, "principal_type": "ServicePrincipal"})
    mi = sandbox.mi_credential(principal)
    crypto = CryptographyClient(key.id, mi)
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"\x01" * 32)
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped.encrypted_key).key == b"\x01" * 32
    with pytest.raises(HttpResponseError) as err:           # no more than get, wrap, unwrap
        KeyClient(vault.properties.vault_uri, mi).create_rsa_key("not-allowed")
    assert err.value.status_code == 403

    # Task 5: the customer-managed key.
    protected = cs.accounts.begin_update(group, foundry, Account(
        properties=AccountProperties(encryption=encryption))).result()
    assert protected.properties.encryption.key_source == "Microsoft.KeyVault"
    assert protected.properties.encryption.key_vault_properties.key_name == key_name
    got = cs.accounts.get(group, foundry)
    assert got.properties.encryption.key_vault_properties.key_vault_uri == vault.properties.vault_uri
    ops = [(r["operationName"], r["resultSignature"]) for r in audit.read(sandbox.sb, vault_name)
           if r.get("identity", {}).get("claim", {}).get("oid") == principal]
    assert ops[-3:] == [("KeyGet", "OK"), ("KeyWrap", "OK"), ("KeyUnwrap", "OK")]
    with pytest.raises(HttpResponseError) as err:           # and no way back
        cs.accounts.begin_update(group, foundry, Account(properties=AccountProperties(
            encryption=Encryption(key_source="Microsoft.CognitiveServices")))).result()
    assert err.value.status_code == 400

    # Task 6: cleanup. The account is soft-deleted (48 h), the vault too (purge protection holds it).
    rm.resource_groups.begin_delete(group).result()
    with pytest.raises(ResourceNotFoundError):
        rm.resource_groups.get(group)
    assert foundry in [a.name for a in cs.deleted_accounts.list()]
    assert vault_name in [v.name for v in kvm.vaults.list_deleted()]
