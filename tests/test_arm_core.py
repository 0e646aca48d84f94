"""ARM core through the real SDK clients over HTTPS: subscriptions, locations, providers and
resource groups (wire contract §4, §5)."""
from __future__ import annotations

import time
import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.subscriptions import SubscriptionClient

from helpers import ARM, READER, arm_token, auth_client, create_group, grant, managed_identity, resource_client, unique
from labhelpers.sandbox import catalog, regions



@pytest.fixture(scope="module")
def resources(sandbox):
    return resource_client(sandbox)


@pytest.fixture(scope="module")
def reader_resources(sandbox):
    return resource_client(sandbox, sandbox.reader_subscription_id)


@pytest.fixture(scope="module")
def subscriptions(sandbox):
    return SubscriptionClient(sandbox.credential())


def test_subscriptions_list_and_get(sandbox, subscriptions):
    listed = {s.subscription_id: s for s in subscriptions.subscriptions.list()}
    assert set(listed) == {sandbox.subscription_id, sandbox.reader_subscription_id}
    sub = subscriptions.subscriptions.get(sandbox.subscription_id)
    assert sub.id == f"/subscriptions/{sandbox.subscription_id}"
    assert sub.tenant_id == sandbox.tenant_id and sub.state == "Enabled" and sub.display_name
    with pytest.raises(ResourceNotFoundError) as err:
        subscriptions.subscriptions.get(str(uuid.uuid4()))
    assert err.value.error.code == "SubscriptionNotFound"
    tenants = list(subscriptions.tenants.list())
    assert [t.tenant_id for t in tenants] == [sandbox.tenant_id] and tenants[0].default_domain.endswith(".onmicrosoft.com")


def test_subscriptions_list_only_those_where_the_caller_has_a_role(sandbox):
    """A managed identity with no role sees no subscription, then the one it got a role in."""
    mi = managed_identity(sandbox.sb)
    client = SubscriptionClient(sandbox.mi_credential(mi.object_id))
    assert list(client.subscriptions.list()) == []
    grant(sandbox, create_group(sandbox).id, READER, mi.object_id, "ServicePrincipal")
    assert [s.subscription_id for s in client.subscriptions.list()] == [sandbox.subscription_id]


def test_locations_have_display_names(sandbox, subscriptions):
    locations = {loc.name: loc for loc in subscriptions.subscriptions.list_locations(sandbox.subscription_id)}
    assert set(locations) == {r[0] for r in regions.REGIONS}
    east = locations["eastus"]
    assert east.display_name == "East US" and east.regional_display_name == "(US) East US"
    assert east.id == f"/subscriptions/{sandbox.subscription_id}/locations/eastus"
    assert east.metadata.paired_region[0].name == "westus"


def test_providers_are_registered_with_types_locations_and_versions(resources):
    kv = resources.providers.get("Microsoft.KeyVault")
    assert kv.registration_state == "Registered" and kv.namespace == "Microsoft.KeyVault"
    vaults = next(t for t in kv.resource_types if t.resource_type == "vaults")
    assert "2026-05-15" in vaults.api_versions and "2023-07-01" in vaults.api_versions
    assert set(vaults.locations) == {r[1] for r in regions.REGIONS}
    cs = resources.providers.get("microsoft.cognitiveservices")
    accounts = next(t for t in cs.resource_types if t.resource_type == "accounts")
    assert "West Central US" not in accounts.locations and "East US" in accounts.locations
    assert "2025-09-01" in accounts.api_versions
    namespaces = {p.namespace for p in resources.providers.list()}
    assert {"Microsoft.KeyVault", "Microsoft.CognitiveServices", "Microsoft.Authorization",
            "Microsoft.Resources"} <= namespaces
    assert all(p.registration_state == "Registered" for p in resources.providers.list())
    assert resources.providers.register("Microsoft.KeyVault").registration_state == "Registered"
    with pytest.raises(ResourceNotFoundError) as err:
        resources.providers.get("Microsoft.Nothing")
    assert err.value.error.code == "InvalidResourceNamespace"


def test_catalog_region_intersection_is_what_the_lab_can_offer():
    both = set(catalog.locations("Microsoft.KeyVault", "vaults")) & set(catalog.locations("Microsoft.CognitiveServices", "accounts"))
    assert "eastus" in both and "westcentralus" not in both and "ukwest" not in both
    assert set(catalog.locations("Microsoft.KeyVault", "vaults")) == {r[0] for r in regions.REGIONS}


def test_resource_group_crud(resources):
    name = unique("Lab-RG-")
    created = resources.resource_groups.create_or_update(name, {"location": "East US", "tags": {"lab": "cmk"}})
    assert created.name == name and created.location == "eastus" and created.tags == {"lab": "cmk"}
    assert created.properties.provisioning_state == "Succeeded"
    assert created.id == f"/subscriptions/{resources._config.subscription_id}/resourceGroups/{name}"
    # names are case-insensitive and keep the case of creation
    assert resources.resource_groups.get(name.lower()).name == name
    assert resources.resource_groups.check_existence(name.upper()) is True
    assert resources.resource_groups.check_existence(unique("rg-")) is False
    updated = resources.resource_groups.update(name, {"tags": {"lab": "cmk", "step": "2"}})
    assert updated.tags == {"lab": "cmk", "step": "2"}
    assert name in {g.name for g in resources.resource_groups.list()}
    # re-PUT keeps the group (200) and replaces its tags
    assert resources.resource_groups.create_or_update(name, {"location": "eastus"}).tags is None
    with pytest.raises(HttpResponseError) as err:
        resources.resource_groups.create_or_update(name, {"location": "westus"})
    assert err.value.status_code == 409 and err.value.error.code == "InvalidResourceGroupLocation"
    start = time.monotonic()
    resources.resource_groups.begin_delete(name).result()
    assert time.monotonic() - start < 5
    assert resources.resource_groups.check_existence(name) is False
    with pytest.raises(ResourceNotFoundError) as err:
        resources.resource_groups.get(name)
    assert err.value.error.code == "ResourceGroupNotFound"
    assert err.value.error.message == f"Resource group '{name}' could not be found."
    with pytest.raises(ResourceNotFoundError):
        resources.resource_groups.begin_delete(name).result()


def test_resource_group_delete_runs_every_provider_deleter_and_drops_its_assignments(sandbox, resources):
    group = create_group(sandbox)
    assignment = auth_client(sandbox).role_assignments.create(group.id, str(uuid.uuid4()), {
        "role_definition_id": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        "principal_id": sandbox.learner_object_id})
    resources.resource_groups.begin_delete(group.name).result()
    row = sandbox.sb.store.one("SELECT 1 FROM role_assignments WHERE name = ?", (assignment.name,))
    assert row is None


@pytest.mark.parametrize("name, code", [("ends-with-period.", "InvalidResourceGroup"),
                                        ("has space", "InvalidResourceGroup"),
                                        ("x" * 91, "InvalidResourceGroup")])
def test_resource_group_name_rules(resources, name, code):
    with pytest.raises(HttpResponseError) as err:
        resources.resource_groups.create_or_update(name, {"location": "eastus"})
    assert err.value.status_code == 400 and err.value.error.code == code
    assert name in err.value.error.message


def test_resource_group_location_rules(resources):
    with pytest.raises(HttpResponseError) as err:
        resources.resource_groups.create_or_update(unique("rg-"), {"location": "atlantis"})
    assert err.value.status_code == 400 and err.value.error.code == "LocationNotAvailableForResourceGroup"
    assert "eastus" in err.value.error.message


def test_reader_subscription_allows_reads_and_refuses_writes(sandbox, reader_resources):
    assert list(reader_resources.resource_groups.list()) == []
    name = unique("rg-")
    with pytest.raises(HttpResponseError) as err:
        reader_resources.resource_groups.create_or_update(name, {"location": "eastus"})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    scope = f"/subscriptions/{sandbox.reader_subscription_id}/resourcegroups/{name}"
    assert err.value.error.message == (
        f"The client 'learner@cmklab.onmicrosoft.com' with object id '{sandbox.learner_object_id}' does not have "
        "authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/write' over scope "
        f"'{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.")


def test_unknown_api_version_is_azures_400(sandbox):
    r = requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups?api-version=2099-01-01",
                     headers={"Authorization": f"Bearer {arm_token(sandbox)}"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "InvalidApiVersionParameter"
    assert error["message"].startswith("The api-version '2099-01-01' is invalid. The supported versions are '2025-04-01,")
    # older versions the CLI and PowerShell send are accepted
    for version in ("2021-04-01", "2022-09-01", "2024-03-01"):
        r = requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups?api-version={version}",
                         headers={"Authorization": f"Bearer {arm_token(sandbox)}"})
        assert r.status_code == 200, version


def test_malformed_json_and_unknown_routes_are_4xx(sandbox):
    headers = {"Authorization": f"Bearer {arm_token(sandbox)}", "Content-Type": "application/json"}
    groups = f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups"
    r = requests.put(f"{groups}/{unique('rg-')}?api-version=2025-04-01", data=b'{"location": "eastus"', headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidRequestContent"
    r = requests.put(f"{groups}/{unique('rg-')}?api-version=2025-04-01", data=b'["eastus"]', headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidRequestContent"
    r = requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/nowhere/at/all?api-version=2025-04-01",
                     headers=headers)
    assert 400 <= r.status_code < 500 and "error" in r.json()
    r = requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/operationresults/not-a-job?api-version=2025-04-01",
                     headers=headers)
    assert r.status_code == 404


def test_catalog_answers_an_unknown_rp_api_version_as_arm_does():
    from labhelpers.sandbox.http import Request
    req = Request("PUT", "management.azure.com", "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/"
                  "vaults/v?api-version=2099-01-01", {}, b'{"location": "West Europe"}')
    err = catalog.version_error("Microsoft.KeyVault", "vaults")(req, None)
    assert err.status == 400 and err.code == "NoRegisteredProviderFound"
    assert err.message.startswith("No registered resource provider found for location 'westeurope' and API version "
                                  "'2099-01-01' for type 'vaults'. The supported api-versions are '2015-06-01, ")
    assert "2026-05-15" in err.message and "The supported locations are 'eastus, eastus2," in err.message
    for namespace, type_name, sent in [("Microsoft.KeyVault", "vaults", "2026-05-15"),
                                       ("Microsoft.CognitiveServices", "accounts", "2025-09-01"),
                                       ("Microsoft.CognitiveServices", "accounts/projects", "2025-09-01"),
                                       ("Microsoft.Authorization", "roleAssignments", "2022-04-01"),
                                       ("Microsoft.Resources", "resourceGroups", "2025-04-01"),
                                       ("Microsoft.Resources", "subscriptions", "2022-12-01")]:
        assert sent in catalog.api_versions(namespace, type_name)
    with pytest.raises(KeyError):
        catalog.api_versions("Microsoft.KeyVault", "managedHSMs")
