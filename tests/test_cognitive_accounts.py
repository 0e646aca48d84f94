"""Microsoft.CognitiveServices accounts and projects through CognitiveServicesManagementClient over
the sandbox's proxy: create/read/update/list, identities in the directory, subdomain rules, projects
and the default project, soft delete / restore / purge, group delete, the account's own endpoint."""
from __future__ import annotations

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Identity, Project, ProjectProperties, Sku

from helpers import (COGNITIVE_SERVICES_USER, cognitive_client, data_plane, grant, make_group, new_account,
                     resource_client, unique)
from labhelpers.sandbox import directory

pytestmark = pytest.mark.xdist_group("cognitive")


@pytest.fixture(scope="module")
def cs(sandbox):
    return cognitive_client(sandbox)


def test_create_get_list_update_account_with_system_identity(sandbox, cs, group):
    name = unique("ais-")
    created = new_account(cs, group, name, allow_project_management=True, public_network_access="Enabled")
    props = created.properties
    assert props.provisioning_state == "Succeeded"
    assert props.endpoint == f"https://{name}.cognitiveservices.azure.com/"
    assert props.endpoints["AI Foundry API"] == f"https://{name}.services.ai.azure.com/"
    assert props.endpoints["OpenAI Language Model Instance API"] == f"https://{name}.openai.azure.com/"
    assert props.allow_project_management is True and props.public_network_access == "Enabled"
    assert props.encryption is None                 # no CMK: no encryption block at all (facts §C3)
    assert created.kind == "AIServices" and created.sku.name == "S0" and created.location == "eastus"
    assert created.id == (f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}/providers/"
                          f"Microsoft.CognitiveServices/accounts/{name}")
    # The system-assigned identity is a service principal of the tenant, tied to the account...
    assert created.identity.tenant_id == sandbox.tenant_id
    principal = directory.get(sandbox.sb, created.identity.principal_id)
    assert principal.type == "ServicePrincipal" and principal.mi_resource_id == created.id
    # ...for which the identity endpoint issues tokens.
    token = sandbox.mi_credential(created.identity.principal_id).get_token("https://management.azure.com/.default")
    assert token.token
    assert cs.accounts.get(group, name).identity.principal_id == created.identity.principal_id
    assert name in [a.name for a in cs.accounts.list_by_resource_group(group)]
    assert name in [a.name for a in cs.accounts.list()]
    updated = cs.accounts.begin_update(group, name, Account(tags={"env": "lab"},
                                                              properties=AccountProperties(disable_local_auth=True))).result()
    assert updated.tags == {"env": "lab"} and updated.properties.disable_local_auth is True
    assert updated.properties.custom_sub_domain_name == name        # PATCH keeps what it does not name
    # Turning the identity off removes its service principal; Azure then returns identity {type: None}.
    cs.accounts.begin_update(group, name, Account(identity=Identity(type="None"))).result()
    assert cs.accounts.get(group, name).identity.type == "None"
    assert cs.accounts.get(group, name).identity.principal_id is None
    assert directory.get(sandbox.sb, created.identity.principal_id) is None


def test_check_domain_availability_and_subdomain_rules(cs, group):
    name = unique("sub-")
    free = cs.check_domain_availability(name, "Microsoft.CognitiveServices/accounts", kind="AIServices")
    assert free.is_subdomain_available is True
    bad = cs.check_domain_availability("bad_name", "Microsoft.CognitiveServices/accounts")
    assert bad.is_subdomain_available is False and "not valid" in bad.reason
    new_account(cs, group, subdomain=name)
    taken = cs.check_domain_availability(name, "Microsoft.CognitiveServices/accounts")
    assert taken.is_subdomain_available is False
    with pytest.raises(ResourceExistsError) as err:            # the subdomain is global DNS
        new_account(cs, group, subdomain=name.upper())
    assert err.value.error.code == "CustomDomainInUse"
    with pytest.raises(HttpResponseError) as err:
        new_account(cs, group, subdomain="ends-with-")
    assert err.value.status_code == 400 and err.value.error.code == "CustomDomainInvalid"
    account = new_account(cs, group)
    with pytest.raises(HttpResponseError) as err:                # cannot be changed once set
        cs.accounts.begin_update(group, account.name, Account(
            properties=AccountProperties(custom_sub_domain_name=unique("other-"))))
    assert err.value.error.code == "CustomSubDomainNameCannotBeChanged"


@pytest.mark.parametrize("body, code", [
    ({"kind": "AIServices", "sku": {"name": "S0"}}, "LocationRequired"),
    ({"kind": "AIServices", "sku": {"name": "S0"}, "location": "ukwest"}, "LocationNotAvailableForResourceType"),
    ({"kind": "AIServices", "sku": {"name": "F0"}, "location": "eastus"}, "InvalidSkuName"),
    ({"kind": "NoSuchKind", "sku": {"name": "S0"}, "location": "eastus"}, "InvalidKind"),
    ({"kind": "AIServices", "sku": {"name": "S0"}, "location": "eastus", "identity": {"type": "Magic"}},
     "InvalidRequestContent"),
    ({"kind": "AIServices", "sku": {"name": "S0"}, "location": "eastus", "identity": {"type": "UserAssigned"}},
     "InvalidIdentity"),
    ({"kind": "AIServices", "sku": {"name": "S0"}, "location": "eastus",
      "properties": {"publicNetworkAccess": "Sometimes"}}, "InvalidRequestContent"),
])
def test_bad_account_bodies_get_azure_shaped_400s(cs, group, body, code):
    with pytest.raises(HttpResponseError) as err:
        cs.accounts.begin_create(group, unique("bad-"), body).result()
    assert err.value.status_code == 400 and err.value.error.code == code
    assert err.value.error.message


def test_names_groups_and_permissions(sandbox, cs, group):
    with pytest.raises(HttpResponseError) as err:
        new_account(cs, group, "-bad-start")
    assert err.value.status_code == 400 and err.value.error.code == "InvalidResourceName"
    with pytest.raises(ResourceNotFoundError) as err:
        cs.accounts.get(unique("no-such-rg-"), "whatever")
    assert err.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as err:
        cs.accounts.get(group, "no-such-account")
    assert err.value.error.code == "ResourceNotFound" and "no-such-account" in err.value.error.message
    reader = cognitive_client(sandbox, sandbox.reader_subscription_id)
    with pytest.raises(HttpResponseError) as err:
        reader.accounts.begin_create("any-rg", unique("ais-"), {"kind": "AIServices", "sku": {"name": "S0"},
                                                                "location": "eastus"})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert "Microsoft.CognitiveServices/accounts/write" in err.value.error.message


def test_projects_need_project_management_and_first_is_default(sandbox, cs, group):
    account = new_account(cs, group)
    with pytest.raises(HttpResponseError) as err:
        cs.projects.begin_create(group, account.name, "p1", Project(location="eastus")).result()
    assert err.value.status_code == 400 and err.value.error.code == "ProjectManagementNotEnabled"
    assert "allowProjectManagement" in err.value.error.message
    cs.accounts.begin_update(group, account.name, Account(properties=AccountProperties(
        allow_project_management=True))).result()
    p1 = cs.projects.begin_create(group, account.name, "p1", Project(
        location="eastus", identity=Identity(type="SystemAssigned"),
        properties=ProjectProperties(display_name="First", description="default one"))).result()
    assert p1.properties.is_default is True and p1.properties.provisioning_state == "Succeeded"
    assert p1.properties.endpoints["AI Foundry API"] == \
        f"https://{account.name}.services.ai.azure.com/api/projects/p1"
    assert directory.get(sandbox.sb, p1.identity.principal_id).mi_resource_id == p1.id
    p2 = cs.projects.begin_create(group, account.name, "p2", Project(location="eastus")).result()
    assert p2.properties.is_default is False
    got = cs.accounts.get(group, account.name)
    assert got.properties.default_project == "p1" and got.properties.associated_projects == ["p1", "p2"]
    renamed = cs.projects.begin_update(group, account.name, "p2", Project(
        properties=ProjectProperties(display_name="Second"))).result()
    assert renamed.properties.display_name == "Second"
    assert [p.name for p in cs.projects.list(group, account.name)] == ["p1", "p2"]
    cs.projects.begin_delete(group, account.name, "p1").result()
    assert directory.get(sandbox.sb, p1.identity.principal_id) is None
    assert cs.projects.get(group, account.name, "p2").properties.is_default is True
    assert cs.accounts.get(group, account.name).properties.default_project == "p2"
    with pytest.raises(HttpResponseError) as err:                # once on, it stays on (facts §C5)
        cs.accounts.begin_update(group, account.name, Account(properties=AccountProperties(
            allow_project_management=False))).result()
    assert err.value.error.code == "AllowProjectManagementCannotBeDisabled"
    with pytest.raises(ResourceNotFoundError) as err:
        cs.projects.get(group, "no-such-account", "p1")
    assert err.value.error.code == "ParentResourceNotFound"


def test_soft_delete_restore_and_purge(sandbox, cs, group):
    account = new_account(cs, group, allow_project_management=True)
    cs.projects.begin_create(group, account.name, "proj", Project(location="eastus")).result()
    cs.accounts.begin_delete(group, account.name).result()
    with pytest.raises(ResourceNotFoundError):
        cs.accounts.get(group, account.name)
    deleted = cs.deleted_accounts.get("eastus", group, account.name)
    assert deleted.properties.deletion_date and deleted.properties.scheduled_purge_date
    assert account.name in [a.name for a in cs.deleted_accounts.list()]
    # The subdomain stays reserved and the name cannot be reused without restore.
    assert not cs.check_domain_availability(account.name, "Microsoft.CognitiveServices/accounts").is_subdomain_available
    with pytest.raises(ResourceExistsError) as err:
        new_account(cs, group, account.name)
    assert err.value.error.code == "FlagMustBeSetForRestore"
    restored = new_account(cs, group, account.name, restore=True)
    assert restored.identity.principal_id == account.identity.principal_id
    assert [p.name for p in cs.projects.list(group, account.name)] == ["proj"]
    cs.accounts.begin_delete(group, account.name).result()
    cs.deleted_accounts.begin_purge("eastus", group, account.name).result()
    assert account.name not in [a.name for a in cs.deleted_accounts.list()]
    assert directory.get(sandbox.sb, account.identity.principal_id) is None
    assert cs.check_domain_availability(account.name, "Microsoft.CognitiveServices/accounts").is_subdomain_available
    with pytest.raises(ResourceNotFoundError):
        cs.deleted_accounts.get("eastus", group, account.name)


def test_soft_deleted_account_is_purged_after_48_hours(start_sandbox):
    own = start_sandbox()
    with own.activated():
        cs = cognitive_client(own)
        group = make_group(own)
        account = new_account(cs, group)
        cs.accounts.begin_delete(group, account.name).result()
        own.advance("PT47H")
        assert [a.name for a in cs.deleted_accounts.list()] == [account.name]
        own.advance("PT2H")
        assert list(cs.deleted_accounts.list()) == []
        assert new_account(cs, group, account.name).name == account.name   # the name is free again


def test_group_delete_soft_deletes_accounts_and_their_endpoint(sandbox, cs):
    rm = resource_client(sandbox)
    rg = make_group(sandbox, "rg-gone-")
    account = new_account(cs, rg)
    assert data_plane(sandbox.credential(), account.name).status_code == 401   # host exists (no data role)
    rm.resource_groups.begin_delete(rg).result()
    assert account.name in [a.name for a in cs.deleted_accounts.list()]
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(f"https://{account.name}.cognitiveservices.azure.com/openai/models", timeout=10)


def test_endpoint_needs_a_data_role_and_public_access(sandbox, cs, group):
    account = new_account(cs, group)
    denied = data_plane(sandbox.credential(), account.name)
    assert denied.status_code == 401 and denied.json()["error"]["code"] == "PermissionDenied"
    assert "Microsoft.CognitiveServices/accounts/OpenAI/models/read" in denied.json()["error"]["message"]
    grant(sandbox, account.id, COGNITIVE_SERVICES_USER, sandbox.learner_object_id, "User")
    allowed = data_plane(sandbox.credential(), account.name)
    assert allowed.status_code == 200 and allowed.json()["object"] == "list"
    cs.accounts.begin_update(group, account.name, Account(properties=AccountProperties(
        public_network_access="Disabled"))).result()
    blocked = data_plane(sandbox.credential(), account.name)
    assert blocked.status_code == 403 and "Public access is disabled" in blocked.json()["error"]["message"]


def test_region_usages_count_the_subscriptions_accounts_until_purged(start_sandbox):
    own = start_sandbox()
    with own.activated():
        cs = cognitive_client(own)
        group = make_group(own)

        def used(region: str) -> tuple[float, float]:
            (meter,) = [u for u in cs.usages.list(region) if u.name.value == "OpenAI.S0.AccountCount"]
            assert meter.unit == "Count"
            return meter.current_value, meter.limit

        assert used("eastus") == (0, 30)
        first, _ = new_account(cs, group), new_account(cs, group)
        cs.accounts.begin_create(group, unique("ais-"), Account(
            kind="AIServices", sku=Sku(name="S0"), location="westus",
            properties=AccountProperties(custom_sub_domain_name=unique("ais-")))).result()
        assert used("eastus") == (2, 30) and used("westus") == (1, 30) and used("East US") == (2, 30)
        cs.accounts.begin_delete(group, first.name).result()
        assert used("eastus") == (2, 30)                      # soft-deleted: still counted
        cs.deleted_accounts.begin_purge("eastus", group, first.name).result()
        assert used("eastus") == (1, 30)
