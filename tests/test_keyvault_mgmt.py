"""Microsoft.KeyVault on ARM through the real KeyVaultManagementClient: name rules, the vault
lifecycle (soft delete, recover, purge, purge protection, retention on the sandbox clock) and
what a vault's deletion does to its role assignments and its data-plane host."""
from __future__ import annotations

import pytest
from azure.core.exceptions import (HttpResponseError, ResourceExistsError, ResourceNotFoundError,
                                   ServiceRequestError)
from azure.mgmt.keyvault.models import (Sku, VaultCreateOrUpdateParameters, VaultPatchParameters,
                                        VaultPatchProperties, VaultProperties)

from helpers import (KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CRYPTO_OFFICER, auth_client, grant, key_client, make_group,
                     make_vault, resource_client, unique, vault_client)
from specs import validate

SPEC = "Microsoft.KeyVault/2026-05-15/openapi.json"


def _raw(response, deserialized, headers):
    return response.http_response.json()


def _params(sandbox, **props) -> VaultCreateOrUpdateParameters:
    props.setdefault("tenant_id", sandbox.tenant_id)
    props.setdefault("sku", Sku(family="A", name="standard"))
    return VaultCreateOrUpdateParameters(location="eastus", properties=VaultProperties(**props))


def _error(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as err:
        call()
    return err.value


def test_create_get_list_and_shapes(sandbox, group):
    client, name = vault_client(sandbox), unique()
    poller = client.vaults.begin_create_or_update(group, name, _params(sandbox, enable_purge_protection=True))
    assert poller.done()                          # 200 + Succeeded: no polling (wire contract §5)
    vault = poller.result()
    assert vault.properties.vault_uri == f"https://{name}.vault.azure.net/"
    assert vault.properties.enable_soft_delete and vault.properties.soft_delete_retention_in_days == 90
    assert vault.properties.enable_rbac_authorization is True        # the 2026-05-15 default
    body = client.vaults.get(group, name, cls=_raw)
    validate(SPEC, "Vault", body)
    assert body["id"] == f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}/providers/" \
                         f"Microsoft.KeyVault/vaults/{name}"
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert body["properties"]["tenantId"] == sandbox.tenant_id
    assert name in {v.name for v in client.vaults.list_by_resource_group(group)}
    assert name in {v.name for v in client.vaults.list_by_subscription()}
    again = client.vaults.begin_create_or_update(group, name, _params(sandbox, sku=Sku(family="A", name="premium")))
    assert again.result().properties.sku.name == "premium"            # PUT on an existing vault: 200
    with pytest.raises(ResourceNotFoundError) as err:
        client.vaults.get(group, unique())
    assert err.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as err:
        client.vaults.get(unique("rg-"), name)
    assert err.value.error.code == "ResourceGroupNotFound"


def test_check_name_availability(sandbox, group):
    client = vault_client(sandbox)
    check = lambda n: client.vaults.check_name_availability({"name": n, "type": "Microsoft.KeyVault/vaults"})
    assert check(unique()).name_available is True
    for bad in ("ab", "1vault", "vault-", "my--vault", "a" * 25, "my_vault"):
        result = check(bad)
        assert (result.name_available, result.reason) == (False, "AccountNameInvalid"), bad
        assert result.message.startswith(f"The vault name '{bad}' is invalid.")
    v = make_vault(sandbox, group)
    taken = check(v.name.upper())                                     # global and case-insensitive
    assert (taken.name_available, taken.reason) == (False, "AlreadyExists")
    client.vaults.delete(group, v.name)
    assert check(v.name).reason == "AlreadyExists"                     # held while soft-deleted


def test_create_rules(sandbox, group):
    client = vault_client(sandbox)
    err = _error(lambda: client.vaults.begin_create_or_update(group, "my--vault", _params(sandbox)))
    assert (err.status_code, err.error.code) == (400, "VaultNameNotValid")
    assert "must begin with a letter, end with a letter or digit" in err.error.message
    err = _error(lambda: client.vaults.begin_create_or_update(group, unique(), _params(
        sandbox, enable_purge_protection=False)))
    assert (err.status_code, err.error.code) == (400, "BadRequest")
    assert err.error.message == ('The property "enablePurgeProtection" cannot be set to false. Enabling the purge '
                                 'protection for a vault is an irreversible action.')
    for props in ({"enable_soft_delete": False}, {"soft_delete_retention_in_days": 6},
                  {"soft_delete_retention_in_days": 91}, {"tenant_id": "00000000-0000-0000-0000-000000000000"},
                  {"sku": Sku(family="A", name="basic")}):
        assert _error(lambda: client.vaults.begin_create_or_update(group, unique(), _params(sandbox, **props))
                      ).status_code == 400, props
    other = make_group(sandbox)
    taken = make_vault(sandbox, group)
    with pytest.raises(ResourceExistsError) as err:
        client.vaults.begin_create_or_update(other, taken.name, _params(sandbox))
    assert err.value.error.code == "VaultAlreadyExists"
    err = _error(lambda: vault_client(sandbox, sandbox.reader_subscription_id).vaults.begin_create_or_update(
        "rg", unique(), _params(sandbox)))
    assert (err.status_code, err.error.code) == (403, "AuthorizationFailed")


def test_update_rules(sandbox, group):
    client = vault_client(sandbox)
    v = make_vault(sandbox, group, retention=30)
    patched = client.vaults.update(group, v.name, VaultPatchParameters(
        tags={"env": "lab"}, properties=VaultPatchProperties(enable_purge_protection=True)))
    assert patched.tags == {"env": "lab"} and patched.properties.enable_purge_protection
    assert patched.properties.soft_delete_retention_in_days == 30
    for props in (VaultPatchProperties(enable_purge_protection=False),
                  VaultPatchProperties(soft_delete_retention_in_days=60)):   # fixed at creation
        assert _error(lambda: client.vaults.update(group, v.name, VaultPatchParameters(properties=props))
                      ).status_code == 400
    with pytest.raises(ResourceNotFoundError):
        client.vaults.update(group, unique(), VaultPatchParameters(tags={}))


def test_soft_delete_recover_and_purge(sandbox, group):
    client = vault_client(sandbox)
    v = make_vault(sandbox, group)
    assignment = grant(sandbox, v.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id).name
    key_client(sandbox, v).create_rsa_key("k1")
    client.vaults.delete(group, v.name)
    client.vaults.delete(group, v.name)                               # already gone: 204, no error
    deleted = client.vaults.get_deleted(v.name, "eastus", cls=_raw)
    validate(SPEC, "DeletedVault", deleted)
    assert deleted["properties"]["vaultId"] == v.id and deleted["properties"]["purgeProtectionEnabled"] is False
    assert v.name in {d.name for d in client.vaults.list_deleted()}
    with pytest.raises(ResourceNotFoundError):
        client.vaults.get(group, v.name)
    with pytest.raises(ResourceExistsError) as err:
        client.vaults.begin_create_or_update(group, v.name, _params(sandbox))
    assert err.value.error.code == "ConflictError"
    assert err.value.error.message.startswith("A vault with the same name already exists in deleted state.")
    with pytest.raises(ServiceRequestError):                          # its host is gone, as DNS would be
        key_client(sandbox, v, retry_total=0).get_key("k1")

    recovered = client.vaults.begin_create_or_update(group, v.name, _params(sandbox, create_mode="recover")).result()
    assert recovered.id == v.id
    auth = auth_client(sandbox)
    assert assignment not in {a.name for a in auth.role_assignments.list_for_scope(v.id, filter="atScope()")}
    kc = key_client(sandbox, v)
    with pytest.raises(HttpResponseError) as err:                     # the assignment did not come back
        kc.get_key("k1")
    assert err.value.error.innererror["code"] == "ForbiddenByRbac"
    grant(sandbox, v.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    assert kc.get_key("k1").name == "k1"                              # keys came back with the vault

    client.vaults.delete(group, v.name)
    client.vaults.begin_purge_deleted(v.name, "eastus").result()
    with pytest.raises(ResourceNotFoundError):
        client.vaults.get_deleted(v.name, "eastus")
    assert client.vaults.check_name_availability({"name": v.name, "type": "Microsoft.KeyVault/vaults"}).name_available


def test_purge_protection_refuses_purge(sandbox, group):
    client = vault_client(sandbox)
    v = make_vault(sandbox, group, purge_protection=True, retention=7)
    client.vaults.delete(group, v.name)
    err = _error(lambda: client.vaults.begin_purge_deleted(v.name, "eastus").result())
    assert err.error.message == "Operation 'DeletedVaultPurge' is not allowed."
    assert client.vaults.get_deleted(v.name, "eastus").properties.purge_protection_enabled


def test_deleting_the_resource_group_soft_deletes_its_vaults(sandbox):
    group = make_group(sandbox)
    v = make_vault(sandbox, group)
    resource_client(sandbox).resource_groups.begin_delete(group).result()
    assert vault_client(sandbox).vaults.get_deleted(v.name, "eastus").properties.vault_id == v.id


def test_retention_ends_on_the_sandbox_clock(start_sandbox):
    own = start_sandbox()
    with own.activated():
        group = make_group(own)
        v = make_vault(own, group, purge_protection=True, retention=7)
        grant(own, v.id, KEY_VAULT_CRYPTO_OFFICER, own.learner_object_id)
        kc = key_client(own, v)
        kc.create_rsa_key("kept")
        kc.create_rsa_key("dropped")
        kc.begin_delete_key("dropped").result()
        own.advance("P8D")
        assert kc.get_key("kept").name == "kept"
        with pytest.raises(ResourceNotFoundError):                    # the deleted key was purged
            kc.get_deleted_key("dropped")
        client = vault_client(own)
        client.vaults.delete(group, v.name)
        own.advance("P6D")
        assert client.vaults.get_deleted(v.name, "eastus").name == v.name
        own.advance("P2D")
        with pytest.raises(ResourceNotFoundError):
            client.vaults.get_deleted(v.name, "eastus")
        assert client.vaults.check_name_availability({"name": v.name, "type": "Microsoft.KeyVault/vaults"}).name_available
