"""The logic behind the 00-setup widgets, against the sandbox through the real SDK: subscriptions with
your role, regions offering both services, names checked against Azure's rules and availability
(soft-deleted vaults and accounts included), and the names the lab derives."""
from __future__ import annotations

import uuid

import pytest

from helpers import KEY_VAULT_ADMINISTRATOR, cognitive_client, make_vault, new_account, unique, vault_client
from labhelpers import choices, labstate, naming


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


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A lab home of the test's own: its id is what "yours" means."""
    monkeypatch.setenv("CMKLAB_HOME", str(tmp_path))
    return labstate.home_id()


def test_vault_names_yours_only_when_the_tags_say_so(sandbox, group, home):
    credential, sub = sandbox.credential(), sandbox.subscription_id
    name, classmates, untagged = (naming.proposed_vault_name() for _ in range(3))
    assert choices.check_vault_name(credential, sub, group, name) == choices.NameCheck(True, "available")
    assert not choices.check_vault_name(credential, sub, group, "1-bad").ok
    make_vault(sandbox, group, name, purge_protection=True, retention=7, tags=naming.lab_tags("me", home))
    make_vault(sandbox, group, classmates, tags=naming.lab_tags("me", "other"))
    make_vault(sandbox, group, untagged)
    assert "already yours" in choices.check_vault_name(credential, sub, group, name).message
    theirs = choices.check_vault_name(credential, sub, group, classmates)
    assert not theirs.ok and "made by another lab home (other)" in theirs.message
    assert "made by someone else" in choices.check_vault_name(credential, sub, group, untagged).message
    assert "taken by another vault" in choices.check_vault_name(credential, sub, "another-group", name).message
    vault_client(sandbox).vaults.delete(group, name)
    held = choices.check_vault_name(credential, sub, group, name)
    assert not held.ok and "deleted vault of this lab home holds this name until" in held.message
    proposal = choices.propose_vault_name(credential, sub, group)
    assert proposal != name and choices.check_vault_name(credential, sub, group, proposal).ok


def test_foundry_names_yours_only_when_the_tags_say_so(sandbox, group, home):
    """A second learner in the same group must not be told the first learner's resource is theirs."""
    credential, sub = sandbox.credential(), sandbox.subscription_id
    name, classmates = unique("choices-"), unique("choices-")
    assert choices.check_foundry_name(credential, sub, group, name).ok
    cs = cognitive_client(sandbox)
    new_account(cs, group, name, tags=naming.lab_tags("me", home))
    new_account(cs, group, classmates, tags=naming.lab_tags("me", "other"))
    assert "already yours" in choices.check_foundry_name(credential, sub, group, name).message
    theirs = choices.check_foundry_name(credential, sub, group, classmates)
    assert not theirs.ok and "another lab home" in theirs.message
    cs.accounts.begin_delete(group, name).result()
    held = choices.check_foundry_name(credential, sub, group, name)
    assert not held.ok and "of this lab home" in held.message and "99-cleanup purges it" in held.message


def test_each_lab_home_proposes_names_of_its_own(tmp_path, monkeypatch):
    homes = []
    for seat in ("a", "b"):
        monkeypatch.setenv("CMKLAB_HOME", str(tmp_path / seat))
        homes.append((labstate.home_id(), naming.default_names(labstate.home_id())))
        assert labstate.home_id() == homes[-1][0]                      # made once, then kept
    (a, names_a), (b, names_b) = homes
    assert a != b and names_a["resource_group"] == f"aifoundry-cmkencryption-RG-{a}"
    assert names_a["foundry_name"] != names_b["foundry_name"] and not naming.foundry_name_problems(names_a["foundry_name"])
    assert names_a["key_name"] == naming.EXERCISE_NAMES["key_name"]       # inside the lab home's own vault
    assert naming.made_here({"CMKLAB-HOME": a}, a) and not naming.made_here({"cmklab-home": a}, b)
