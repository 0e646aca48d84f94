"""The check of 00-setup: you are signed in, may act on the subscription, and the region and names suit the lab."""
from __future__ import annotations

from .. import choices, naming
from ..roles import roles_held
from .core import Line, steps_of

NOTEBOOK = "00-setup"
step = steps_of(NOTEBOOK)


@step("00-setup", "Setup", "you are signed in, and the subscription, region and names suit the lab")
def setup_ready(s):
    yield Line(True, "signed in", f"tenant {s.tenant_label}" + ("" if s.mode == "sandbox" else
               ": if this is not your class's tenant, sign in to the right one (az login --tenant <id>) and "
               "restart the kernel"))
    held = roles_held(s.credential, s.subscription_id, f"/subscriptions/{s.subscription_id}", s.learner_object_id)
    roles = sorted({h.role_name for h in held})
    owner = "Owner" in roles
    through = " (through a group)" if owner and all(h.via_group for h in held if h.role_name == "Owner") else ""
    yield Line(owner, "your role", f"{', '.join(roles) or 'no role'}{through} on '{s.subscription_name}'",
               _role_advice(roles, s.subscription_name))
    problem = choices.region_problem(s.credential, s.subscription_id, s.region)
    offered = sorted(r.name for r in choices.offered_regions(s.credential, s.subscription_id))
    yield Line(problem is None, "region", f"{s.region} offers Key Vault and Foundry resources (AIServices S0)"
               if problem is None else problem, f"choose one of: {', '.join(offered)}")
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


def _role_advice(roles: list[str], subscription: str) -> str:
    """The real cause and what to do: the lab creates resources AND role assignments."""
    if not roles:
        return (f"you hold no role on '{subscription}': ask an Owner of it to assign you Owner, or choose a "
                "subscription where you are Owner (subscription_id)")
    held = " and ".join(roles)
    cannot = "can read but not create anything" if roles == ["Reader"] else "cannot create role assignments"
    return (f"with {held} you {cannot}, and the lab creates resources and role assignments (steps 02, 04): ask "
            f"an Owner of '{subscription}' to assign you Owner, or choose a subscription where you are Owner")
