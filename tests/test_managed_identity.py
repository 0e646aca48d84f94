"""Microsoft.ManagedIdentity/userAssignedIdentities through azure-mgmt-msi over HTTPS: the REST spec's
shapes and statuses (2024-11-30: PUT 201 then 200, GET, PATCH, list, DELETE 200 then 204), a service
principal per identity with tokens from the managed-identity endpoint by client_id, and its end with
the identity or its group."""
from __future__ import annotations

import base64
import json
import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.identity import ManagedIdentityCredential
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity, IdentityUpdate
from helpers import make_group, resource_client, unique

UAI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"


def msi(sandbox) -> ManagedServiceIdentityClient:
    return ManagedServiceIdentityClient(sandbox.credential(), sandbox.subscription_id)


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_create_get_update_list_and_delete_as_the_spec_says(sandbox, group):
    client, name = msi(sandbox), unique("uai-")
    statuses = []
    created = client.user_assigned_identities.create_or_update(
        group, name, Identity(location="eastus", tags={"lab": "cmk"}),
        raw_response_hook=lambda r: statuses.append(r.http_response.status_code))
    assert created.type == UAI_TYPE and created.name == name and created.location == "eastus"
    assert created.id.lower() == f"/subscriptions/{sandbox.subscription_id}/resourcegroups/{group}/providers/" \
                                 f"{UAI_TYPE}/{name}".lower()
    assert created.tenant_id == sandbox.tenant_id and created.isolation_scope == "None"
    assert uuid.UUID(created.principal_id) and uuid.UUID(created.client_id) and created.principal_id != created.client_id
    again = client.user_assigned_identities.create_or_update(
        group, name, Identity(location="eastus"), raw_response_hook=lambda r: statuses.append(r.http_response.status_code))
    assert statuses == [201, 200]
    assert (again.principal_id, again.client_id) == (created.principal_id, created.client_id)
    updated = client.user_assigned_identities.update(group, name, IdentityUpdate(tags={"lab": "cmk", "n": "2"}))
    assert updated.tags == {"lab": "cmk", "n": "2"} and updated.principal_id == created.principal_id
    assert client.user_assigned_identities.get(group, name).client_id == created.client_id
    assert name in [i.name for i in client.user_assigned_identities.list_by_resource_group(group)]
    assert name in [i.name for i in client.user_assigned_identities.list_by_subscription()]
    assert name in [r.name for r in resource_client(sandbox).resources.list_by_resource_group(group)]
    statuses.clear()
    hook = {"raw_response_hook": lambda r: statuses.append(r.http_response.status_code)}
    client.user_assigned_identities.delete(group, name, **hook)
    client.user_assigned_identities.delete(group, name, **hook)
    assert statuses == [200, 204]
    with pytest.raises(ResourceNotFoundError) as missing:
        client.user_assigned_identities.get(group, name)
    assert missing.value.error.code == "ResourceNotFound"


def test_a_put_replaces_the_tags_and_a_patch_keeps_them_unless_it_sends_its_own(sandbox, group):
    """ARM's PUT is a full replace (Azure/azure-cli#11513): sent again without tags, the identity has none.
    PATCH (IdentityUpdate) changes only what it sends: without tags it keeps them, with tags it replaces the set."""
    identities, name = msi(sandbox).user_assigned_identities, unique("uai-")
    identities.create_or_update(group, name, Identity(location="eastus", tags={"lab": "cmk", "seat": "1"}))
    assert not identities.create_or_update(group, name, Identity(location="eastus")).tags
    assert not identities.get(group, name).tags
    identities.create_or_update(group, name, Identity(location="eastus", tags={"lab": "cmk", "seat": "1"}))
    assert identities.update(group, name, IdentityUpdate(isolation_scope="None")).tags == {"lab": "cmk", "seat": "1"}
    assert identities.update(group, name, IdentityUpdate(tags={"seat": "2"})).tags == {"seat": "2"}
    assert identities.get(group, name).tags == {"seat": "2"}


def test_its_tokens_come_from_the_identity_endpoint_by_client_id(sandbox, group):
    client, name = msi(sandbox), unique("uai-")
    created = client.user_assigned_identities.create_or_update(group, name, Identity(location="eastus"))
    token = ManagedIdentityCredential(client_id=created.client_id).get_token("https://vault.azure.net/.default")
    found = claims(token.token)
    assert (found["oid"], found["appid"]) == (created.principal_id, created.client_id)
    assert found["xms_mirid"].lower() == created.id.lower() and found["idtyp"] == "app"
    client.user_assigned_identities.delete(group, name)
    with pytest.raises(ClientAuthenticationError):      # the principal went with the identity
        ManagedIdentityCredential(client_id=created.client_id).get_token("https://management.azure.com/.default")


def test_a_group_delete_takes_its_identities(sandbox):
    client, group, name = msi(sandbox), make_group(sandbox), unique("uai-")
    created = client.user_assigned_identities.create_or_update(group, name, Identity(location="eastus"))
    resource_client(sandbox).resource_groups.begin_delete(group).result()
    assert name not in [i.name for i in client.user_assigned_identities.list_by_subscription()]
    with pytest.raises(ClientAuthenticationError):
        ManagedIdentityCredential(client_id=created.client_id).get_token("https://management.azure.com/.default")


@pytest.mark.parametrize("name, body, status, code", [
    ("x", {"location": "eastus"}, 400, "InvalidResourceName"),
    ("-starts-with-a-dash", {"location": "eastus"}, 400, "InvalidResourceName"),
    ("uai-no-location", {}, 400, "LocationRequired"),
    ("uai-nowhere", {"location": "atlantis"}, 400, "LocationNotAvailableForResourceType"),
    ("uai-bad-scope", {"location": "eastus", "properties": {"isolationScope": "Planet"}}, 400, "InvalidRequestContent"),
])
def test_bad_input_gets_an_azure_shaped_400(sandbox, group, name, body, status, code):
    with pytest.raises(HttpResponseError) as refused:
        msi(sandbox).user_assigned_identities.create_or_update(group, name, body)
    assert refused.value.status_code == status and refused.value.error.code == code
    assert refused.value.error.message


def test_an_unknown_group_and_an_unknown_api_version_are_refused_as_arm_does(sandbox):
    with pytest.raises(HttpResponseError) as refused:
        msi(sandbox).user_assigned_identities.create_or_update("no-such-group", "uai-x", Identity(location="eastus"))
    assert refused.value.status_code == 404 and refused.value.error.code == "ResourceGroupNotFound"
    old = ManagedServiceIdentityClient(sandbox.credential(), sandbox.subscription_id, api_version="2018-11-30")
    assert isinstance(list(old.user_assigned_identities.list_by_subscription()), list)
