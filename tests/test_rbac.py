"""The RBAC evaluator (labhelpers/sandbox/rbac.py) on an in-process sandbox: real SQLite state,
assignments made through the authorization provider's own rules (so the vaults and keys they are
scoped to are made through the Key Vault provider's), no server needed."""
from __future__ import annotations

import uuid

import pytest

from helpers import (CONTRIBUTOR, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, KEY_VAULT_READER, OWNER, READER,
                     managed_identity)
from labhelpers.sandbox import directory, rbac
from labhelpers.sandbox.context import Config, Sandbox
from labhelpers.sandbox.errors import AzureError
from labhelpers.sandbox.providers.authorization import models as authz
from labhelpers.sandbox.providers.keyvault import keys, models as vaults
from labhelpers.sandbox.providers.resources import models as resources

ROLE = {"Owner": OWNER, "Reader": READER, "Contributor": CONTRIBUTOR, "Key Vault Reader": KEY_VAULT_READER,
        "Key Vault Crypto Service Encryption User": KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER}


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    return Sandbox(tmp_path_factory.mktemp("rbac"))


def _group(sb, name="rg") -> str:
    sub = sb.main_subscription_id
    resources.create_or_update_group(sb, sub, name, {"location": "eastus"})
    return f"/subscriptions/{sub}/resourceGroups/{name}"


def _vault(sb, name: str, group: str = "rg") -> str:
    scope = f"{_group(sb, group)}/providers/Microsoft.KeyVault/vaults/{name}"
    if vaults.row(sb, name) is None:
        vaults.create_or_update(sb, sb.learner, sb.main_subscription_id, group, name, {
            "location": "eastus", "properties": {"tenantId": sb.tenant_id, "sku": {"family": "A", "name": "standard"}}},
            "2026-05-15")
    return scope


def _key(sb, vault: str, name: str) -> str:
    keys.create(sb, vaults.row(sb, vault), name, {"kty": "EC"})
    return f"{_vault(sb, vault)}/keys/{name}"


def _assign(sb, scope: str, role: str, principal) -> str:
    name = str(uuid.uuid4())
    body = {"properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{ROLE[role]}",
                           "principalId": principal.object_id}}
    authz.create_assignment(sb, sb.learner, scope, name, body, "2022-04-01")
    return name


def allowed(sb, principal, action, scope, data=False) -> bool:
    return rbac.evaluate(sb, principal.object_id, action, scope, data=data).allowed


def test_seeded_learner_is_owner_of_main_and_reader_of_second_subscription(sb):
    main, reader = (f"/subscriptions/{s['subscription_id']}" for s in sb.subscriptions())
    learner = sb.learner
    assert allowed(sb, learner, "Microsoft.Resources/subscriptions/resourcegroups/write", f"{main}/resourcegroups/x")
    assert allowed(sb, learner, "Microsoft.Resources/subscriptions/resourcegroups/read", f"{reader}/resourcegroups/x")
    assert not allowed(sb, learner, "Microsoft.Resources/subscriptions/resourcegroups/write", f"{reader}/resourcegroups/x")
    with pytest.raises(AzureError) as err:
        rbac.require_arm(sb, learner, "Microsoft.Resources/subscriptions/resourcegroups/write", f"{reader}/resourcegroups/x")
    assert err.value.status == 403 and err.value.code == "AuthorizationFailed"
    assert err.value.message == (
        f"The client '{learner.upn}' with object id '{learner.object_id}' does not have authorization to perform "
        f"action 'Microsoft.Resources/subscriptions/resourcegroups/write' over scope '{reader}/resourcegroups/x' "
        "or the scope is invalid. If access was recently granted, please refresh your credentials.")


def test_owner_has_no_data_actions(sb):
    key = f"{_vault(sb, 'kvowner')}/keys/cmk"
    assert allowed(sb, sb.learner, "Microsoft.KeyVault/vaults/write", _vault(sb, "kvowner"))
    assert not allowed(sb, sb.learner, "Microsoft.KeyVault/vaults/keys/read", key, data=True)


def test_wildcards_and_case_insensitivity(sb):
    mi = managed_identity(sb)
    vault = _vault(sb, "kvwild")
    _assign(sb, vault, "Key Vault Reader", mi)
    # actions "Microsoft.KeyVault/vaults/*/read": the vault's own read and its children's
    assert allowed(sb, mi, "Microsoft.KeyVault/vaults/read", vault)
    assert allowed(sb, mi, "microsoft.keyvault/VAULTS/keys/READ", vault.upper())
    assert not allowed(sb, mi, "Microsoft.KeyVault/vaults/write", vault)
    # dataActions "Microsoft.KeyVault/vaults/*/read" but nothing that is not a read
    assert allowed(sb, mi, "Microsoft.KeyVault/vaults/keys/read", f"{vault}/keys/k", data=True)
    assert not allowed(sb, mi, "Microsoft.KeyVault/vaults/keys/unwrap/action", f"{vault}/keys/k", data=True)
    # "*/read" (Reader) matches reads of any provider, never writes
    other = managed_identity(sb)
    _assign(sb, _group(sb), "Reader", other)
    assert allowed(sb, other, "Microsoft.CognitiveServices/accounts/read", f"{_group(sb)}/providers/x/y/z")
    assert not allowed(sb, other, "Microsoft.CognitiveServices/accounts/write", f"{_group(sb)}/providers/x/y/z")


def test_not_actions_subtract_but_do_not_deny(sb):
    mi = managed_identity(sb)
    scope = _group(sb)
    _assign(sb, scope, "Contributor", mi)
    assert allowed(sb, mi, "Microsoft.KeyVault/vaults/write", f"{scope}/providers/Microsoft.KeyVault/vaults/v")
    assert not allowed(sb, mi, "Microsoft.Authorization/roleAssignments/write", scope)
    _assign(sb, scope, "Owner", mi)          # another role granting it wins: notActions are no deny
    assert allowed(sb, mi, "Microsoft.Authorization/roleAssignments/write", scope)


def test_scope_inherits_down_to_a_key_and_not_sideways(sb):
    mi = managed_identity(sb)
    v1 = _vault(sb, "kv1")
    name = _assign(sb, _key(sb, "kv1", "cmk"), "Key Vault Crypto Service Encryption User", mi)
    wrap = "Microsoft.KeyVault/vaults/keys/wrap/action"
    decision = rbac.evaluate(sb, mi.object_id, wrap, f"{v1}/keys/cmk", data=True)
    assert decision.allowed and decision.assignment_id == name
    assert allowed(sb, mi, wrap, f"{v1}/keys/cmk/3f1b".upper(), data=True)          # a version of that key
    assert not allowed(sb, mi, wrap, f"{v1}/keys/cmk2", data=True)                   # another key
    assert not allowed(sb, mi, wrap, f"{v1}/keys/other", data=True)
    assert not allowed(sb, mi, wrap, v1, data=True)                                  # the vault above it
    assert not allowed(sb, mi, wrap, f"{_vault(sb, 'kv10')}/keys/cmk", data=True)     # vaults/kv1 is not vaults/kv10
    assert not allowed(sb, mi, wrap, f"{v1}/keys/cmk", data=False)                    # data role, control plane
    group_grant = managed_identity(sb)
    _assign(sb, _group(sb), "Key Vault Crypto Service Encryption User", group_grant)
    assert allowed(sb, group_grant, wrap, f"{v1}/keys/any", data=True)                # inherited from the group


def test_delete_assignments_under_a_vault(sb):
    mi = managed_identity(sb)
    vault = _vault(sb, "kvgone")
    _assign(sb, vault, "Key Vault Reader", mi)
    _assign(sb, _key(sb, "kvgone", "k"), "Key Vault Crypto Service Encryption User", mi)
    keep = _assign(sb, _vault(sb, "kvgone2"), "Key Vault Reader", mi)
    assert rbac.delete_assignments_under(sb, vault.upper()) == 2
    assert not allowed(sb, mi, "Microsoft.KeyVault/vaults/read", vault)
    assert authz.get_assignment(sb, keep) is not None


def test_role_assignment_errors_in_the_provider_rules(sb):
    scope = _group(sb)
    mi = managed_identity(sb)
    _assign(sb, scope, "Reader", mi)
    with pytest.raises(AzureError) as err:
        _assign(sb, scope, "Reader", mi)
    assert (err.value.status, err.value.code) == (409, "RoleAssignmentExists")
    ghost = directory.Principal(str(uuid.uuid4()), "app", "ServicePrincipal", "gone")
    with pytest.raises(AzureError) as err:
        _assign(sb, scope, "Reader", ghost)
    assert (err.value.status, err.value.code) == (400, "PrincipalNotFound")
    assert ghost.object_id.replace("-", "") in err.value.message and sb.tenant_id in err.value.message
    with pytest.raises(AzureError) as err:
        authz.create_assignment(sb, sb.learner, scope, "not-a-guid", {}, "2022-04-01")
    assert (err.value.status, err.value.code) == (400, "InvalidRoleAssignmentId")


def test_rbac_delay_makes_new_assignments_effective_later(tmp_path):
    sb = Sandbox(tmp_path, Config(rbac_delay=5))
    mi = managed_identity(sb)
    vault = _vault(sb, "kvdelay")
    _assign(sb, vault, "Key Vault Crypto Service Encryption User", mi)
    unwrap = "Microsoft.KeyVault/vaults/keys/unwrap/action"
    assert not allowed(sb, mi, unwrap, f"{vault}/keys/k", data=True)
    # the seeded Owner assignment is effective at once
    assert allowed(sb, sb.learner, "Microsoft.KeyVault/vaults/write", vault)
    sb.clock.advance("PT6S")
    assert allowed(sb, mi, unwrap, f"{vault}/keys/k", data=True)
