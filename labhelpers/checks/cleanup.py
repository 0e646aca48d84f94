"""The checks of 99-cleanup: what this lab home created is gone (the group too, when nothing else is in it),
and what stays soft-deleted is purged or explained."""
from __future__ import annotations

from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

from ..ownership import group_contents
from .core import Line, steps_of

NOTEBOOK = "99-cleanup"
step = steps_of(NOTEBOOK)


@step("99-deleted", "Your resources deleted", "what this lab home created is deleted; nothing else was touched")
def group_deleted(s):
    contents = group_contents(s)
    if contents is None:
        yield Line(True, "resource group", f"{s.resource_group}: deleted")
        return
    yield Line(not contents.mine, "your resources", ", ".join(r.name for r in contents.mine) or "none left",
               "run the delete cell above")
    if contents.deletable(s.made_here):
        yield Line(False, "resource group", f"{s.resource_group} still exists and holds nothing else",
                   "run the delete cell above")
    else:
        yield Line(True, "resource group", f"kept: {contents.why_kept(s.made_here)}")


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
