"""The checks of 01-create-key-vault: the resource group, and a vault fit to hold a customer-managed key."""
from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient

from .core import Line, steps_of
from .lookups import value, vault_of

NOTEBOOK = "01-create-key-vault"
step = steps_of(NOTEBOOK)


@step("01-resource-group", "Resource group", "the resource group exists")
def resource_group_ready(s):
    try:
        groups = s.client(ResourceManagementClient, s.credential, s.subscription_id).resource_groups
        group = groups.get(s.resource_group)
    except ResourceNotFoundError:
        yield Line(False, "resource group", f"{s.resource_group} not found", "run the cell above")
        return
    here = group.location == s.region
    yield Line(True, "resource group", f"{group.name} in {group.location}" + ("" if here else
               f" (a group's region never changes; the lab's resources go to {s.region}, which Azure allows)"))
    mine = s.made_here(group.tags)
    yield Line(True, "made by", "this lab home (its tags say so)" if mine else
               "not this lab home: 99-cleanup will delete only what this lab home creates in it, not the group")


@step("01-key-vault", "Key vault", "the vault is ready to hold a customer-managed key")
def vault_ready(s):
    vault = vault_of(s)
    if vault is None:
        yield Line(False, "key vault", f"{s.key_vault_name} not found in {s.resource_group}", "run the cell above")
        return
    p = vault.properties
    yield Line(True, "key vault", f"{vault.name} at {p.vault_uri}")
    yield Line(vault.location == s.region, "region", vault.location,
               f"a vault cannot move: create one in {s.region} under a new name (00-setup proposes one)")
    yield Line(value(p.sku.name).lower() == "standard", "pricing tier", value(p.sku.name),
               "set sku=Sku(family='A', name='standard') and run the cell above again")
    yield Line(p.enable_soft_delete is not False, "soft delete", "on" if p.enable_soft_delete is not False else "off",
               "turn soft delete on (enable_soft_delete=True)")
    retention = p.soft_delete_retention_in_days
    yield Line(retention == 7, "days to retain deleted vaults", str(retention),
               "fixed at creation: create a vault with 7 days under a new name")
    yield Line(bool(p.enable_purge_protection), "purge protection", "on" if p.enable_purge_protection else "off",
               "customer-managed keys require it: set enable_purge_protection=True and run the cell above again")
    rbac = bool(p.enable_rbac_authorization)
    yield Line(rbac, "permission model", "Azure role-based access control" if rbac else "vault access policies",
               "set enable_rbac_authorization=True and run the cell above again")
    public = (value(p.public_network_access) or "Enabled").lower() == "enabled"
    yield Line(public, "public network access", "enabled" if public else "disabled",
               "this lab keeps it enabled: set public_network_access='Enabled'")
