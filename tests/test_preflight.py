"""The preflight as Azure decides it, through the real SDK against the sandbox: regions come from the
Cognitive Services resource SKUs (kind AIServices, SKU S0, without a Location restriction) and Key
Vault's provider; the learner's role counts assignments made to their groups (`assignedTo`), and
inherited ones from management groups."""
from __future__ import annotations

import uuid

from helpers import OWNER, cognitive_client, resource_client, unique
from labhelpers import choices, roles
from labhelpers.sandbox import directory
from labhelpers.sandbox.providers.authorization import models as assignments
from specs import Capture, validate_response

COGNITIVE = "Microsoft.CognitiveServices/2025-09-01/cognitiveservices.json"


def test_resource_skus_follow_the_spec_and_carry_restrictions(sandbox):
    capture = Capture()
    skus = list(cognitive_client(sandbox).resource_skus.list(raw_response_hook=capture))
    for status, body in capture.responses:
        validate_response(COGNITIVE, "ResourceSkus_List", status, body)
    foundry = [s for s in skus if s.kind == "AIServices" and s.name == "S0"]
    assert foundry and all(len(s.locations) == 1 and s.locations[0].isupper() for s in foundry)
    restricted = [s for s in foundry if s.restrictions]
    assert [(r.type, r.reason_code, r.values) for s in restricted for r in s.restrictions] == \
        [("Location", "NotAvailableForSubscription", ["koreacentral"])]


def test_regions_are_where_foundry_s0_is_available_without_restriction(sandbox):
    credential, sub = sandbox.credential(), sandbox.subscription_id
    offered = {r.name for r in choices.offered_regions(credential, sub)}
    # The providers API lists Cognitive Services accounts in northeurope and koreacentral; the SKUs do not
    # offer AIServices S0 in the first and restrict it in the second.
    assert {"eastus", "swedencentral"} <= offered and not {"northeurope", "koreacentral", "westcentralus"} & offered
    assert choices.region_problem(credential, sub, "eastus") is None
    assert "restricted in koreacentral for this subscription (NotAvailableForSubscription)" in \
        choices.region_problem(credential, sub, "koreacentral")
    assert "not offered in northeurope" in choices.region_problem(credential, sub, "northeurope")


def test_owner_through_a_group_counts(start_sandbox):
    """Owner given to a group the learner belongs to (nested, as Entra ID allows) is Owner: the lab's
    role check sees it, and Azure RBAC lets the learner act on it."""
    handle = start_sandbox()
    with handle.activated():
        sb, sub, learner = handle.sb, handle.reader_subscription_id, handle.learner_object_id
        credential = handle.credential()
        assert choices.learner_roles(credential, sub, learner) == ("Reader",)
        team = directory.add_group(sb, "Lab instructors", [learner])
        admins = directory.add_group(sb, "Subscription admins", [team.object_id])
        assignments.create_assignment(sb, handle.sb.learner, f"/subscriptions/{sub}", str(uuid.uuid4()), {
            "properties": {"roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                                                f"roleDefinitions/{OWNER}", "principalId": admins.object_id,
                           "principalType": "Group"}}, "2022-04-01")
        assert choices.learner_roles(credential, sub, learner) == ("Owner", "Reader")
        held = roles.roles_held(credential, sub, f"/subscriptions/{sub}", learner)
        assert {(h.role_name, h.via_group) for h in held} == {("Owner", True), ("Reader", False)}
        group = resource_client(handle, sub).resource_groups.create_or_update(unique("rg-"), {"location": "eastus"})
        assert group.name


def test_management_group_assignments_are_inherited():
    mg = "/providers/Microsoft.Management/managementGroups/contoso-root"
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
    assert roles.covers(mg, sub) and roles.covers(mg, sub + "/resourceGroups/g")
    assert roles.covers(sub, sub + "/resourceGroups/g") and not roles.covers(sub + "/resourceGroups/g", sub)


def test_the_sweep_deletes_only_what_the_lab_made_for_you(start_sandbox):
    """The live workflow's forced cleanup: tagged for you, deleted (groups, vaults, Foundry resources, 09's
    user-assigned identity) and purged where Azure allows; an untagged group and a classmate's vault are
    left alone."""
    from azure.mgmt.msi import ManagedServiceIdentityClient
    from azure.mgmt.msi.models import Identity
    from helpers import make_vault, new_account
    from labhelpers import naming, sweep
    handle = start_sandbox()
    with handle.activated():
        credential, sub = handle.credential(), handle.subscription_id
        mine = naming.lab_tags(handle.learner_object_id, "seat1")
        groups = resource_client(handle).resource_groups
        ours = groups.create_or_update(unique("rg-"), {"location": "eastus", "tags": mine}).name
        theirs = groups.create_or_update(unique("rg-"), {"location": "eastus"}).name
        vault = make_vault(handle, ours, purge_protection=True, retention=7, tags=mine).name
        account = new_account(cognitive_client(handle), ours, tags=mine).name
        classmate = make_vault(handle, theirs, tags=naming.lab_tags(str(uuid.uuid4()), "seat2")).name
        identity = ManagedServiceIdentityClient(credential, sub).user_assigned_identities.create_or_update(
            ours, naming.user_identity_name(account), Identity(location="eastus", tags=mine)).name
        done = sweep.sweep(credential, sub)
        assert f"deleted Microsoft.ManagedIdentity/userAssignedIdentities {identity} (group {ours})" in done
        assert f"deleted resource group {ours}" in done and f"purged Foundry resource {account}" in done
        assert any(line.startswith(f"key vault {vault} stays soft-deleted until") for line in done)
        assert not groups.check_existence(ours) and groups.check_existence(theirs)
        assert [r.name for r in resource_client(handle).resources.list_by_resource_group(theirs)] == [classmate]
