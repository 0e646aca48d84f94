"""Microsoft.Authorization through AuthorizationManagementClient over HTTPS (wire contract §7):
built-in role definitions, role assignments at every scope, and Azure's errors (facts §D2)."""
from __future__ import annotations

import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient

from helpers import (ARM, KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, OWNER, READER, arm_token,
                     auth_client, create_group, grant, key_client, make_vault, managed_identity, role_id, unique)



@pytest.fixture(scope="module")
def auth(sandbox):
    return auth_client(sandbox)


@pytest.fixture(scope="module")
def group(sandbox):
    """This module's own group, as the SDK returns it (the tests here need its id), in place of conftest's."""
    return create_group(sandbox, "authz-")


def test_role_definitions_list_with_filter_and_get_by_id(sandbox, auth):
    scope = f"/subscriptions/{sandbox.subscription_id}"
    found = list(auth.role_definitions.list(scope, filter="roleName eq 'Key Vault Crypto Service Encryption User'"))
    assert len(found) == 1
    role = found[0]
    assert role.name == KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER and \
        role.id == role_id(sandbox, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER)
    assert role.role_type == "BuiltInRole" and role.assignable_scopes == ["/"]
    assert set(role.permissions[0].data_actions) == {"Microsoft.KeyVault/vaults/keys/read",
                                                      "Microsoft.KeyVault/vaults/keys/wrap/action",
                                                      "Microsoft.KeyVault/vaults/keys/unwrap/action"}
    assert list(auth.role_definitions.list(scope, filter="roleName eq 'No Such Role'")) == []
    assert len(list(auth.role_definitions.list(scope))) == 21
    owner = auth.role_definitions.get_by_id(role_id(sandbox, OWNER))
    assert owner.role_name == "Owner" and owner.permissions[0].actions == ["*"] and owner.permissions[0].data_actions == []
    assert auth.role_definitions.get("/", READER).id == f"/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    with pytest.raises(ResourceNotFoundError) as err:
        auth.role_definitions.get_by_id(role_id(sandbox, str(uuid.uuid4())))
    assert err.value.error.code == "RoleDefinitionDoesNotExist"


def test_assignment_at_key_scope_create_get_list_delete(sandbox, auth, group):
    mi = managed_identity(sandbox.sb, group.id)
    vault = make_vault(sandbox, group.name)
    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    key_client(sandbox, vault).create_rsa_key("cmk")
    key_scope = f"{vault.id}/keys/cmk"
    name = str(uuid.uuid4())
    created = auth.role_assignments.create(key_scope, name, {
        "role_definition_id": role_id(sandbox, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER), "principal_id": mi.object_id,
        "principal_type": "ServicePrincipal"})
    assert created.name == name and created.scope == key_scope
    assert created.id == f"{key_scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert created.role_definition_id == role_id(sandbox, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER)
    assert created.principal_type == "ServicePrincipal" and created.created_by == sandbox.learner_object_id
    assert created.created_on is not None
    got = auth.role_assignments.get(key_scope, name)
    assert got.principal_id == mi.object_id
    # the same PUT again is idempotent
    assert auth.role_assignments.create(key_scope, name, {
        "role_definition_id": role_id(sandbox, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER),
        "principal_id": mi.object_id}).name == name
    at_key = list(auth.role_assignments.list_for_scope(key_scope, filter="atScope()"))
    assert name in {a.name for a in at_key}
    # atScope() at the group: the group and above, not the key below it
    at_group = {a.name for a in auth.role_assignments.list_for_scope(group.id, filter="atScope()")}
    assert name not in at_group
    # principalId eq: also below the scope
    mine = list(auth.role_assignments.list_for_scope(group.id, filter=f"principalId eq '{mi.object_id}'"))
    assert [a.name for a in mine] == [name]
    subs = auth.role_assignments.list_for_subscription()
    assert {name} <= {a.name for a in subs}
    deleted = auth.role_assignments.delete(key_scope, name)
    assert deleted.name == name
    assert auth.role_assignments.delete(key_scope, name) is None          # gone: 204
    with pytest.raises(ResourceNotFoundError) as err:
        auth.role_assignments.get(key_scope, name)
    assert err.value.error.code == "RoleAssignmentNotFound"


def test_learners_seeded_assignments(sandbox, auth):
    mine = list(auth.role_assignments.list_for_scope(f"/subscriptions/{sandbox.subscription_id}",
                                                     filter=f"principalId eq '{sandbox.learner_object_id}'"))
    owner = [a for a in mine if a.scope == f"/subscriptions/{sandbox.subscription_id}"]
    assert [a.role_definition_id.rsplit("/", 1)[1] for a in owner] == [OWNER]
    assert owner[0].principal_type == "User"


def test_duplicate_assignment_is_role_assignment_exists(sandbox, auth, group):
    mi = managed_identity(sandbox.sb, group.id)
    params = {"role_definition_id": role_id(sandbox, READER), "principal_id": mi.object_id}
    first = auth.role_assignments.create(group.id, str(uuid.uuid4()), params)
    with pytest.raises(ResourceExistsError) as err:
        auth.role_assignments.create(group.id, str(uuid.uuid4()), params)
    assert err.value.error.code == "RoleAssignmentExists"
    assert first.name.replace("-", "") in err.value.error.message


def test_changing_an_assignments_principal_is_not_permitted(sandbox, auth, group):
    one, two = managed_identity(sandbox.sb, group.id), managed_identity(sandbox.sb, group.id)
    name = str(uuid.uuid4())
    auth.role_assignments.create(group.id, name, {"role_definition_id": role_id(sandbox, READER),
                                                  "principal_id": one.object_id})
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group.id, name, {"role_definition_id": role_id(sandbox, READER),
                                                      "principal_id": two.object_id})
    assert err.value.error.code == "RoleAssignmentUpdateNotPermitted"
    assert err.value.error.message == \
        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."


def test_unknown_principal_role_and_bad_guid(sandbox, auth, group):
    ghost = str(uuid.uuid4())
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group.id, str(uuid.uuid4()), {"role_definition_id": role_id(sandbox, READER),
                                                                   "principal_id": ghost})
    assert err.value.status_code == 400 and err.value.error.code == "PrincipalNotFound"
    assert err.value.error.message.startswith(
        f"Principal {ghost.replace('-', '')} does not exist in the directory {sandbox.tenant_id}.")
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group.id, str(uuid.uuid4()), {
            "role_definition_id": role_id(sandbox, str(uuid.uuid4())), "principal_id": sandbox.learner_object_id})
    assert err.value.status_code == 400 and err.value.error.code == "RoleDefinitionDoesNotExist"
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group.id, "not-a-guid", {"role_definition_id": role_id(sandbox, READER),
                                                              "principal_id": sandbox.learner_object_id})
    assert err.value.status_code == 400 and err.value.error.code == "InvalidRoleAssignmentId"
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(group.id, str(uuid.uuid4()), {
            "role_definition_id": role_id(sandbox, READER), "principal_id": sandbox.learner_object_id,
            "principal_type": "ServicePrincipal"})
    assert err.value.status_code == 400 and err.value.error.code == "UnmatchedPrincipalType"


def test_assignment_in_missing_group_is_404(sandbox, auth):
    scope = f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{unique('missing-')}"
    with pytest.raises(ResourceNotFoundError) as err:
        auth.role_assignments.create(scope, str(uuid.uuid4()), {"role_definition_id": role_id(sandbox, READER),
                                                                "principal_id": sandbox.learner_object_id})
    assert err.value.error.code == "ResourceGroupNotFound"


def test_reader_cannot_assign_roles(sandbox):
    auth = auth_client(sandbox, sandbox.reader_subscription_id)
    scope = f"/subscriptions/{sandbox.reader_subscription_id}"
    assert list(auth.role_assignments.list_for_scope(scope, filter="atScope()"))      # reading is allowed
    name = str(uuid.uuid4())
    with pytest.raises(HttpResponseError) as err:
        auth.role_assignments.create(scope, name, {"role_definition_id": role_id(sandbox, READER),
                                                   "principal_id": sandbox.learner_object_id})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert "does not have authorization or an ABAC condition not fulfilled to perform action " \
           "'Microsoft.Authorization/roleAssignments/write'" in err.value.error.message


def test_managed_identity_without_role_is_refused(sandbox, group):
    mi = managed_identity(sandbox.sb, group.id)
    client = ResourceManagementClient(sandbox.mi_credential(mi.object_id), sandbox.subscription_id)
    with pytest.raises(HttpResponseError) as err:
        client.resource_groups.get(group.name)
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert f"'{mi.object_id}' with object id '{mi.object_id}'" in err.value.error.message


def test_unknown_api_version_and_filter(sandbox):
    token = arm_token(sandbox)
    base = f"{ARM}/subscriptions/{sandbox.subscription_id}/providers/Microsoft.Authorization/roleAssignments"
    r = requests.get(f"{base}?api-version=2019-01-01", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidResourceType"
    assert "2022-04-01" in r.json()["error"]["message"]
    for version in ("2020-04-01-preview", "2022-01-01-preview", "2015-07-01"):
        r = requests.get(f"{base}?api-version={version}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, version
    r = requests.get(f"{base}?api-version=2022-04-01&$filter=roleName eq 'x'", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "UnsupportedQuery"
