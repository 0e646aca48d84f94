"""The check of 00-setup: you are signed in, may act on the subscription, and the region and names suit the lab."""
from __future__ import annotations

from .. import choices, naming
from .core import Line, steps_of

NOTEBOOK = "00-setup"
step = steps_of(NOTEBOOK)


@step("00-setup", "Setup", "you are signed in, and the subscription, region and names suit the lab")
def setup_ready(s):
    yield Line(True, "signed in", f"tenant {s.tenant_id}")
    roles = choices.learner_roles(s.credential, s.subscription_id, s.learner_object_id)
    owner = "Owner" in roles
    yield Line(owner, "your role", f"{', '.join(roles) or 'no role'} on '{s.subscription_name}'",
               "choose a subscription where you are Owner (subscription_id), or ask for Owner")
    offered = {r.name for r in choices.offered_regions(s.credential, s.subscription_id)}
    ok = s.region in offered
    yield Line(ok, "region", f"{s.region} {'offers' if ok else 'does not offer'} both Key Vault and Foundry",
               f"choose one of: {', '.join(sorted(offered))}")
    for what, name, problems in (("resource group name", s.resource_group, naming.resource_group_problems),
                                 ("key name", s.key_name, naming.key_name_problems),
                                 ("project name", s.project_name, naming.project_name_problems)):
        wrong = problems(name)
        yield Line(not wrong, what, name if not wrong else f"{name}: {'; '.join(wrong)}",
                   "choose a valid name")
    vault = choices.check_vault_name(s.credential, s.subscription_id, s.resource_group, s.key_vault_name)
    yield Line(vault.ok, "key vault name", f"{s.key_vault_name}: {vault.message}",
               "choose another vault name (key_vault_name)")
    foundry = choices.check_foundry_name(s.credential, s.subscription_id, s.resource_group, s.foundry_name)
    yield Line(foundry.ok, "Foundry name", f"{s.foundry_name}: {foundry.message}",
               "choose another Foundry resource name (foundry_name)")
