"""`python -m labhelpers class sweep --subscription ID`: after a class, everything the lab created in
the class subscription goes: the seats' resource groups (found by the lab's tags; a group that holds
anything the lab does not create is left alone, and said so), then the soft-deleted Foundry resources
are purged (Azure bills a Foundry resource during its soft-delete retention), and the vaults held by
purge protection are listed with the day Azure releases each. It lists first and deletes only after
confirmation (`--yes` for headless runs)."""
from __future__ import annotations

from dataclasses import dataclass, field

from azure.core.exceptions import HttpResponseError

from .. import display, tags
from .azure import ClassSubscription, group_of

# What the lab creates inside a seat's group (the project is a child of the account).
LAB_TYPES = {"microsoft.keyvault/vaults", "microsoft.cognitiveservices/accounts",
             "microsoft.cognitiveservices/accounts/projects", "microsoft.managedidentity/userassignedidentities"}


@dataclass
class Plan:
    groups: list = field(default_factory=list)           # (group, its resources) to delete
    kept: list = field(default_factory=list)             # (group, why it stays)


@dataclass
class Outcome:
    deleted: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)       # (vault, released on)
    failed: list[str] = field(default_factory=list)
    still_billed: list[str] = field(default_factory=list)


def plan(subscription: ClassSubscription) -> Plan:
    found = Plan()
    for group in subscription.lab_groups():
        resources = subscription.group_resources(group.name)
        foreign = [r.name for r in resources
                   if r.type.lower() not in LAB_TYPES or (r.tags and not tags.is_lab(r.tags))]
        if foreign:
            found.kept.append((group, f"it also holds {', '.join(foreign)}, which the lab did not create"))
        else:
            found.groups.append((group, resources))
    return found


def describe(found: Plan) -> str:
    rows = [[g.name, g.location, tags.seat(g.tags) or "-", ", ".join(f"{r.name} ({r.type.split('/')[-1]})"
                                                                    for r in rs) or "empty"]
            for g, rs in found.groups]
    text = display.table(["resource group", "region", "seat", "resources"], rows)[0] if rows else \
        "No resource group of the lab's in this subscription."
    for group, why in found.kept:
        text += f"\nkept: {group.name}: {why}"
    return text


def execute(subscription: ClassSubscription, found: Plan, progress=print) -> Outcome:
    outcome = Outcome()
    swept = {g.name.lower() for g, _ in found.groups}
    for group, _ in found.groups:
        try:
            subscription.resources.resource_groups.begin_delete(group.name).result()
            outcome.deleted.append(group.name)
            progress(f"deleted resource group {group.name}")
        except HttpResponseError as exc:
            outcome.failed.append(f"resource group {group.name}: {exc.reason} {exc.error.code if exc.error else ''}")

    purge_deleted(subscription, lambda resource_id, resource_tags: tags.is_lab(resource_tags)
                  or group_of(resource_id).lower() in swept, outcome, progress)
    outcome.still_billed += [f"resource group {g.name} (kept)" for g, _ in found.kept]
    outcome.still_billed += [f"resource group {g.name} (delete failed)" for g, _ in found.groups
                             if g.name not in outcome.deleted]
    return outcome


def purge_deleted(subscription: ClassSubscription, ours, outcome: Outcome, progress=print) -> None:
    """Purge the soft-deleted Foundry resources and vaults that `ours(resource_id, tags)` claims; the vaults
    purge protection holds are listed in `outcome.held` with the day Azure purges them itself."""
    for account in subscription.cognitive.deleted_accounts.list():
        if not ours(account.id or "", account.tags):
            continue
        try:
            subscription.cognitive.deleted_accounts.begin_purge(account.location or "", group_of(account.id or ""),
                                                                account.name or "").result()
            outcome.purged.append(f"Foundry resource {account.name}")
            progress(f"purged Foundry resource {account.name}")
        except HttpResponseError as exc:
            code = exc.error.code if exc.error else exc.reason
            outcome.failed.append(f"purge of Foundry resource {account.name}: {code}")
            outcome.still_billed.append(f"Foundry resource {account.name} (soft-deleted: billed until purged)")

    for vault in subscription.vaults.vaults.list_deleted():
        properties, name = vault.properties, vault.name or ""
        if properties is None or not ours(properties.vault_id or "", properties.tags):
            continue
        if properties.purge_protection_enabled:
            released = properties.scheduled_purge_date
            outcome.held.append((name, released.date().isoformat() if released else "the end of its retention"))
            continue
        try:
            subscription.vaults.vaults.begin_purge_deleted(name, properties.location or "").result()
            outcome.purged.append(f"key vault {vault.name}")
            progress(f"purged key vault {vault.name}")
        except HttpResponseError as exc:
            outcome.failed.append(f"purge of key vault {vault.name}: {exc.error.code if exc.error else exc.reason}")


def summary(outcome: Outcome) -> str:
    lines = [f"deleted {len(outcome.deleted)} resource groups; purged {len(outcome.purged)}: "
             f"{', '.join(outcome.purged) or 'nothing'}"]
    for vault, released in outcome.held:
        lines.append(f"held by purge protection: key vault {vault}, released (purged by Azure) on {released}; "
                     "its name stays taken until then")
    lines += [f"failed: {f}" for f in outcome.failed]
    # Key Vault bills per operation (and per scheduled rotation); a deleted vault performs none. A
    # soft-deleted Foundry resource is billed until purged (facts C2), which is why they are purged.
    lines.append("still billed: " + ("; ".join(outcome.still_billed) if outcome.still_billed else
                                     "nothing the lab created (held vaults cost nothing while deleted)"))
    return "\n".join(lines)
