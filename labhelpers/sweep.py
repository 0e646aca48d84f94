"""Forced cleanup after a live run (CI) or a class rehearsal: `python -m labhelpers.sweep --subscription S`
deletes, on that subscription, what the lab made for the signed-in principal (the `cmklab-learner`
tag is your object id): the Foundry resources and vaults tagged so, then every group tagged so that
holds nothing else; it purges the soft-deleted Foundry resources tagged so and lists the soft-deleted
vaults, which purge protection keeps until their retention ends. It never touches what someone else
made: every decision is read from the tags."""
from __future__ import annotations

import argparse
import sys

from azure.core.exceptions import HttpResponseError
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from . import connection, naming
from .refusals import describe

ACCOUNTS, VAULTS = "microsoft.cognitiveservices/accounts", "microsoft.keyvault/vaults"


def _mine(tags: dict | None, learner: str) -> bool:
    found = {k.lower(): v for k, v in (tags or {}).items()}
    return found.get(naming.TAG_LAB) == naming.LAB_TAG_VALUE and found.get(naming.TAG_LEARNER) == learner


def _part(resource_id: str, name: str) -> str:
    parts = resource_id.split("/")
    return parts[[p.lower() for p in parts].index(name.lower()) + 1]


def sweep(credential, subscription_id: str) -> list[str]:
    """Delete and purge what the lab made for the signed-in principal; one line per thing done."""
    learner = connection.token_claims(credential)["oid"]
    resources = ResourceManagementClient(credential, subscription_id)
    cs = CognitiveServicesManagementClient(credential, subscription_id)
    kv = KeyVaultManagementClient(credential, subscription_id)
    done = []
    tagged = [r for r in resources.resources.list() if _mine(r.tags, learner)]
    for kind in (ACCOUNTS, VAULTS):                   # the Foundry resources first: they use the keys
        for r in (r for r in tagged if r.type.lower() == kind):
            group = _part(r.id, "resourceGroups")
            if kind == ACCOUNTS:
                cs.accounts.begin_delete(group, r.name).result()
            else:
                kv.vaults.delete(group, r.name)
            done.append(f"deleted {r.type} {r.name} (group {group})")
    for group in resources.resource_groups.list():
        if _mine(group.tags, learner) and not list(resources.resources.list_by_resource_group(group.name)):
            resources.resource_groups.begin_delete(group.name).result()
            done.append(f"deleted resource group {group.name}")
    for account in cs.deleted_accounts.list():
        if _mine(account.tags, learner):
            group = _part(account.id, "resourceGroups")
            cs.deleted_accounts.begin_purge(account.location, group, account.name).result()
            done.append(f"purged Foundry resource {account.name}")
    for vault in kv.vaults.list_deleted():
        if _mine(vault.properties.tags, learner):
            try:
                kv.vaults.begin_purge_deleted(vault.name, vault.properties.location).result()
                done.append(f"purged key vault {vault.name}")
            except HttpResponseError as refusal:
                done.append(f"key vault {vault.name} stays soft-deleted until "
                            f"{vault.properties.scheduled_purge_date:%Y-%m-%d}: {describe(refusal)}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labhelpers.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--subscription", required=True)
    args = parser.parse_args(argv)
    for line in sweep(DefaultAzureCredential(), args.subscription) or ["nothing of yours to delete"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
