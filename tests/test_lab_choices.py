"""The logic behind the 00-setup widgets, against the sandbox through the real SDK: subscriptions with
your role, regions offering both services, names checked against Azure's rules and availability
(soft-deleted vaults and accounts included), and the names the lab derives."""
from __future__ import annotations

import uuid

import pytest

from helpers import KEY_VAULT_ADMINISTRATOR, cognitive_client, make_vault, new_account, unique, vault_client
from labhelpers import choices, naming


@pytest.mark.parametrize("name, problem", [
    ("ab", "3 to 24"), ("a" * 25, "3 to 24"), ("1vault", "start with a letter"), ("vault-", "end with"),
    ("my--vault", "two hyphens"), ("my_vault", "letters, digits and hyphens")])
def test_vault_name_rules(name, problem):
    assert any(problem in p for p in naming.vault_name_problems(name))


def test_proposed_vault_names_follow_the_rules():
    names = {naming.proposed_vault_name() for _ in range(50)}
    assert len(names) == 50 and not any(naming.vault_name_problems(n) for n in names)


def test_foundry_name_rules():
    assert naming.foundry_name_problems("aifoundry-cmkencryption-resource") == []
    assert naming.foundry_name_problems("ends-") and naming.foundry_name_problems("has.dot")
    assert naming.project_name_problems("aifoundry-cmkencryption-project01") == []
    assert naming.resource_group_problems("aifoundry-cmkencryption-RG") == []
    assert naming.resource_group_problems("ends.") and naming.key_name_problems("bad_name")


def test_assignment_names_are_deterministic_guids():
    scope, principal = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v", str(uuid.uuid4())
    role = f"/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/{KEY_VAULT_ADMINISTRATOR}"
    name = naming.assignment_name(scope, principal, role)
    assert uuid.UUID(name) and name == naming.assignment_name(scope.upper(), principal, role.rsplit("/", 1)[1])
    assert name != naming.assignment_name(scope + "/keys/k", principal, role)


def test_subscriptions_show_your_role_and_warn_when_not_owner(sandbox):
    subs = {s.subscription_id: s for s in choices.list_subscriptions(sandbox.credential(), sandbox.learner_object_id)}
    owner, reader = subs[sandbox.subscription_id], subs[sandbox.reader_subscription_id]
    assert owner.roles == ("Owner",) and owner.warning is None and owner.label == "CMK Lab Subscription (Owner)"
    assert reader.roles == ("Reader",) and "Owner" in reader.warning
    assert choices.default_subscription([reader, owner]) is owner


def test_regions_offer_both_key_vault_and_foundry(sandbox):
    regions = {r.name: r for r in choices.offered_regions(sandbox.credential(), sandbox.subscription_id)}
    assert regions["eastus"].label == "East US (eastus)"
    assert "westcentralus" not in regions          # Key Vault is there, AI Services is not
    assert choices.default_region(list(regions.values())).name == "eastus"


def test_vault_names_yours_taken_and_soft_deleted(sandbox, group):
    credential, sub = sandbox.credential(), sandbox.subscription_id
    name = naming.proposed_vault_name()
    assert choices.check_vault_name(credential, sub, group, name) == choices.NameCheck(True, "available")
    assert not choices.check_vault_name(credential, sub, group, "1-bad").ok
    make_vault(sandbox, group, name, purge_protection=True, retention=7)
    assert "already yours" in choices.check_vault_name(credential, sub, group, name).message
    assert "taken by another vault" in choices.check_vault_name(credential, sub, "another-group", name).message
    vault_client(sandbox).vaults.delete(group, name)
    held = choices.check_vault_name(credential, sub, group, name)
    assert not held.ok and "deleted vault of yours holds this name until" in held.message
    proposal = choices.propose_vault_name(credential, sub, group)
    assert proposal != name and choices.check_vault_name(credential, sub, group, proposal).ok


def test_foundry_names_yours_and_soft_deleted(sandbox, group):
    credential, sub = sandbox.credential(), sandbox.subscription_id
    name = unique("choices-")
    assert choices.check_foundry_name(credential, sub, group, name).ok
    cs = cognitive_client(sandbox)
    new_account(cs, group, name)
    assert "already yours" in choices.check_foundry_name(credential, sub, group, name).message
    cs.accounts.begin_delete(group, name).result()
    held = choices.check_foundry_name(credential, sub, group, name)
    assert not held.ok and "99-cleanup purges it" in held.message
