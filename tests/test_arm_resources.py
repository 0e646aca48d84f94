"""What ARM knows about resources as such, through the real SDK clients: a role assignment needs the
resource at its scope to exist (vaults, keys, Foundry accounts and projects), and the generic
`GET …/resources` lists (ResourceManagementClient.resources, KeyVaultManagementClient.vaults.list)
show the tracked resources of a subscription or group, filtered and authorised as ARM does."""
from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cognitiveservices.models import Project
from azure.mgmt.resource.resources import ResourceManagementClient

from helpers import (KEY_VAULT_ADMINISTRATOR, READER, auth_client, cognitive_client, group_id, grant, key_client,
                     make_group, make_vault, managed_identity, new_account, resource_client, unique, vault_client)
from specs import Capture, validate_arm_error, validate_response

RESOURCES = "Microsoft.Resources/2025-04-01/resources.json"


@pytest.fixture(scope="module")
def world(sandbox):
    """A group holding a vault with one key, an AIServices account with one project, and a second
    group with a vault of its own (so group listings can be told apart)."""
    group = make_group(sandbox)
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    key_client(sandbox, vault).create_rsa_key("cmk")
    cs = cognitive_client(sandbox)
    account = new_account(cs, group, allow_project_management=True)
    project = cs.projects.begin_create(group, account.name, "proj", Project(location="eastus")).result()
    other_group = make_group(sandbox)
    other_vault = make_vault(sandbox, other_group)
    return dict(group=group, vault=vault, account=account, project=project, other_group=other_group,
                other_vault=other_vault, group_id=group_id(sandbox, group))


def _assign(sandbox, scope: str, **kw):
    """Reader at scope, for a new managed identity."""
    mi = managed_identity(sandbox.sb, display_name="mi")
    return grant(sandbox, scope, READER, mi.object_id, "ServicePrincipal", **kw)


# ---- role assignments need their resource -----------------------------------------------------------

@pytest.mark.parametrize("scope, missing", [
    ("{group_id}/providers/Microsoft.KeyVault/vaults/{absent}", "Microsoft.KeyVault/vaults/{absent}"),
    ("{vault_id}/keys/{absent}", "Microsoft.KeyVault/vaults/{vault}/keys/{absent}"),
    # a key below a missing vault: the vault is named, parent before child
    ("{group_id}/providers/Microsoft.KeyVault/vaults/{absent}/keys/cmk", "Microsoft.KeyVault/vaults/{absent}"),
    ("{group_id}/providers/Microsoft.CognitiveServices/accounts/{absent}",
     "Microsoft.CognitiveServices/accounts/{absent}"),
    ("{account_id}/projects/{absent}", "Microsoft.CognitiveServices/accounts/{account}/projects/{absent}"),
])
def test_assignment_on_a_missing_resource_is_resource_not_found(sandbox, world, scope, missing):
    names = dict(group_id=world["group_id"], vault_id=world["vault"].id, vault=world["vault"].name,
                 account_id=world["account"].id, account=world["account"].name, absent=unique("gone"))
    raw = Capture()
    with pytest.raises(ResourceNotFoundError) as err:
        _assign(sandbox, scope.format(**names), raw_response_hook=raw)
    assert err.value.error.code == "ResourceNotFound"
    assert err.value.error.message == (
        f"The Resource '{missing.format(**names)}' under resource group '{world['group']}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    validate_arm_error(raw.body)


def test_assignment_on_existing_resources_and_on_unknown_types(sandbox, world):
    for scope in (world["vault"].id, f"{world['vault'].id}/keys/cmk", world["account"].id, world["project"].id):
        assert _assign(sandbox, scope).scope == scope
    # a resource type the sandbox does not model is not checked (as before): ARM would look it up
    storage = f"{world['group_id']}/providers/Microsoft.Storage/storageAccounts/{unique('st')}"
    assert _assign(sandbox, storage).scope == storage


def test_a_deleted_key_or_vault_no_longer_takes_assignments(sandbox, world):
    group = world["group"]
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    keys = key_client(sandbox, vault)
    keys.create_rsa_key("short-lived")
    keys.begin_delete_key("short-lived").wait()
    with pytest.raises(ResourceNotFoundError) as err:                 # soft-deleted key
        _assign(sandbox, f"{vault.id}/keys/short-lived")
    assert f"'Microsoft.KeyVault/vaults/{vault.name}/keys/short-lived'" in err.value.error.message
    vault_client(sandbox).vaults.delete(group, vault.name)
    with pytest.raises(ResourceNotFoundError) as err:                 # soft-deleted vault
        _assign(sandbox, vault.id)
    assert f"'Microsoft.KeyVault/vaults/{vault.name}'" in err.value.error.message


def test_listing_assignments_at_a_missing_key_scope_shows_the_inherited_ones(sandbox, world):
    """Reads are not existence-checked (no source shows ARM refusing them): the lab's checks ask
    which roles an identity holds on a key that may not exist yet."""
    auth = auth_client(sandbox)
    listed = list(auth.role_assignments.list_for_scope(f"{world['vault'].id}/keys/{unique('k')}",
                                                       filter="atScope()"))
    above = {f"/subscriptions/{sandbox.subscription_id}", world["group_id"], world["vault"].id}
    assert world["vault"].id in {a.scope for a in listed} and {a.scope for a in listed} <= above


# ---- the generic resource list ---------------------------------------------------------------------

def _ids(resources) -> set[str]:
    return {r.id for r in resources}


def test_list_by_resource_group_shows_vaults_accounts_and_projects(sandbox, world):
    rm = resource_client(sandbox)
    pages = Capture()
    listed = list(rm.resources.list_by_resource_group(world["group"], raw_response_hook=pages))
    assert _ids(listed) == {world["vault"].id, world["account"].id, world["project"].id}
    by_id = {r.id: r for r in listed}
    vault, account, project = (by_id[world[k].id] for k in ("vault", "account", "project"))
    assert (vault.type, vault.location, vault.name) == ("Microsoft.KeyVault/vaults", "eastus", world["vault"].name)
    assert (account.kind, account.sku.name, account.identity.type) == ("AIServices", "S0", "SystemAssigned")
    assert account.identity.principal_id == world["account"].identity.principal_id
    # a nested tracked resource is named parent/child in ARM's generic list
    assert (project.type, project.name) == ("Microsoft.CognitiveServices/accounts/projects",
                                            f"{world['account'].name}/proj")
    assert vault.properties is None                                   # no properties without $expand
    for status, body in pages.responses:
        validate_response(RESOURCES, "Resources_ListByResourceGroup", status, body)


def test_list_filters_by_type_name_and_location_and_spans_groups(sandbox, world):
    rm = resource_client(sandbox)
    vaults = _ids(rm.resources.list(filter="resourceType eq 'microsoft.keyvault/VAULTS'"))
    assert {world["vault"].id, world["other_vault"].id} <= vaults
    assert all("/providers/Microsoft.KeyVault/vaults/" in i for i in vaults)
    named = list(rm.resources.list_by_resource_group(
        world["group"], filter=f"resourceType eq 'Microsoft.KeyVault/vaults' and name eq '{world['vault'].name}'"))
    assert _ids(named) == {world["vault"].id}
    assert list(rm.resources.list_by_resource_group(world["group"], filter="location eq 'westeurope'")) == []
    assert len(list(rm.resources.list_by_resource_group(world["group"], top=1))) == 1
    with pytest.raises(HttpResponseError) as err:
        list(rm.resources.list(filter="startswith(resourceType, 'Microsoft.KeyVault')"))
    assert err.value.status_code == 400 and err.value.error.code == "InvalidFilterInQueryString"
    with pytest.raises(ResourceNotFoundError) as err:
        list(rm.resources.list_by_resource_group(unique("rg-missing-")))
    assert err.value.error.code == "ResourceGroupNotFound"


def test_keyvault_vaults_list_uses_the_generic_list(sandbox, world):
    kv = vault_client(sandbox)
    pages = Capture()
    vaults = list(kv.vaults.list(raw_response_hook=pages))
    assert {world["vault"].id, world["other_vault"].id} <= _ids(vaults)
    assert {v.type for v in vaults} == {"Microsoft.KeyVault/vaults"}
    for status, body in pages.responses:
        validate_response("Microsoft.KeyVault/2026-05-15/openapi.json", "Vaults_List", status, body)


def test_listing_needs_the_resources_read_action_where_it_lists(sandbox, world):
    """A Reader of one group may list that group, not the subscription; the denial names ARM's action."""
    mi = managed_identity(sandbox.sb, world["group_id"], "Microsoft.Web/sites", "app")
    grant(sandbox, world["group_id"], READER, mi.object_id)
    rm = ResourceManagementClient(sandbox.mi_credential(mi.object_id), sandbox.subscription_id)
    assert world["vault"].id in _ids(rm.resources.list_by_resource_group(world["group"]))
    with pytest.raises(HttpResponseError) as err:
        list(rm.resources.list())
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert ("to perform action 'Microsoft.Resources/subscriptions/resources/read' over scope "
            f"'/subscriptions/{sandbox.subscription_id}'") in err.value.error.message
    with pytest.raises(HttpResponseError) as err:
        list(rm.resources.list_by_resource_group(world["other_group"]))
    assert err.value.status_code == 403
    other = f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{world['other_group']}"
    assert f"'Microsoft.Resources/subscriptions/resourceGroups/resources/read' over scope '{other}'" \
        in err.value.error.message
