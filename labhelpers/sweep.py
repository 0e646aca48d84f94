"""Forced cleanup after a live run (CI) or a class rehearsal: `python -m labhelpers.sweep --subscription S`
deletes, on that subscription, what the lab made for the signed-in principal (the `cmklab-learner`
tag is your object id): the Foundry resources, user-assigned identities and vaults tagged so, then
every group tagged so that holds nothing else; it purges the soft-deleted Foundry resources tagged so
and lists the soft-deleted vaults, which purge protection keeps until their retention ends. It never
touches what someone else made: every decision is read from the tags."""
from __future__ import annotations

import argparse
import sys

from azure.identity import DefaultAzureCredential
from azure.mgmt.msi import ManagedServiceIdentityClient

from . import naming
from .classroom.azure import ClassSubscription, group_of
from .classroom.sweep import Outcome, purge_deleted

ACCOUNTS, VAULTS = "microsoft.cognitiveservices/accounts", "microsoft.keyvault/vaults"
IDENTITIES = "microsoft.managedidentity/userassignedidentities"


def _mine(tags: dict | None, learner: str) -> bool:
    found = {k.lower(): v for k, v in (tags or {}).items()}
    return found.get(naming.TAG_LAB) == naming.LAB_TAG_VALUE and found.get(naming.TAG_LEARNER) == learner


def sweep(credential, subscription_id: str) -> list[str]:
    """Delete and purge what the lab made for the signed-in principal; one line per thing done. The purge
    is the class sweep's (labhelpers/classroom/sweep.py), limited to what is tagged as yours."""
    subscription = ClassSubscription(subscription_id, credential)
    learner, resources = subscription.object_id, subscription.resources
    done: list[str] = []
    tagged = [r for r in resources.resources.list() if _mine(r.tags, learner)]
    for kind in (ACCOUNTS, IDENTITIES, VAULTS):       # the Foundry resources first: they use the keys
        for r in (r for r in tagged if (r.type or "").lower() == kind):
            where, name = group_of(r.id or ""), r.name or ""
            if kind == ACCOUNTS:
                subscription.cognitive.accounts.begin_delete(where, name).result()
            elif kind == IDENTITIES:
                ManagedServiceIdentityClient(credential, subscription_id).user_assigned_identities.delete(where, name)
            else:
                subscription.vaults.vaults.delete(where, name)
            done.append(f"deleted {r.type} {name} (group {where})")
    for group in resources.resource_groups.list():
        if _mine(group.tags, learner) and not list(resources.resources.list_by_resource_group(group.name or "")):
            resources.resource_groups.begin_delete(group.name or "").result()
            done.append(f"deleted resource group {group.name}")
    outcome = Outcome()
    purge_deleted(subscription, lambda _id, tags: _mine(tags, learner), outcome, progress=done.append)
    done += [f"key vault {vault} stays soft-deleted until {released}: purge protection keeps it until then"
             for vault, released in outcome.held]
    return done + [f"failed: {failure}" for failure in outcome.failed]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labhelpers.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--subscription", required=True)
    args = parser.parse_args(argv)
    for line in sweep(DefaultAzureCredential(), args.subscription) or ["nothing of yours to delete"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
