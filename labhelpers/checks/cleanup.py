"""The checks of 99-cleanup: the resource group is gone, and what stays soft-deleted is purged or explained."""
from __future__ import annotations

from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from .core import Line, steps_of

NOTEBOOK = "99-cleanup"
step = steps_of(NOTEBOOK)


@step("99-deleted", "Resource group deleted", "the resource group and everything in it are deleted")
def group_deleted(s):
    exists = s.client(ResourceManagementClient, s.credential, s.subscription_id).resource_groups.check_existence(
        s.resource_group)
    yield Line(not exists, "resource group", "still exists" if exists else "deleted",
               "run the delete cell above")


@step("99-purged", "Soft-deleted leftovers", "nothing is left to pay for; what stays soft-deleted is explained")
def leftovers_handled(s):
    cs = s.client(CognitiveServicesManagementClient, s.credential, s.subscription_id)
    held = any(a.name.lower() == s.foundry_name.lower() for a in cs.deleted_accounts.list())
    yield Line(not held, "Foundry resource", "soft-deleted: its name and quota are still held" if held
               else "purged: its name and quota are free again", "run the purge cell above")
    kv = s.client(KeyVaultManagementClient, s.credential, s.subscription_id)
    deleted = next((v for v in kv.vaults.list_deleted() if v.name.lower() == s.key_vault_name.lower()), None)
    if deleted is None:
        yield Line(True, "key vault", "gone")
        return
    protected = bool(deleted.properties.purge_protection_enabled)
    until = deleted.properties.scheduled_purge_date
    yield Line(protected, "key vault", f"soft-deleted; purge protection holds it and its name until {until:%Y-%m-%d}"
               if protected else "soft-deleted", "purge it (the purge cell above)")
