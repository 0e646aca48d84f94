# %% [markdown]
# # 99 · Clean up
#
# **Exercise task 6.** Deleting the resource group deletes the vault and the Foundry resource, but not
# for good: both are **soft-deleted** and keep their names. (09's user-assigned identity, if you made it,
# is deleted for good.)
#
# On a shared subscription the group may hold a classmate's work too. So this notebook deletes only
# what **your lab home created** (its tags say so), and deletes the group itself only when the group is
# yours and holds nothing else; otherwise it says why it leaves the group.
#
# | Resource | After deletion | Can you purge it now? |
# |---|---|---|
# | Foundry resource | kept 48 hours (its name and quota stay taken) | yes: purge it, below |
# | Key vault | kept for its retention period (7 days here) | **no**: purge protection forbids it; Azure purges it when the period ends |
#
# The vault's role assignments go with it, and a recovered vault would not get them back.
#
# ```mermaid
# stateDiagram-v2
#   direction LR
#   Active --> SoftDeleted: delete the resource group
#   SoftDeleted --> Active: recover
#   SoftDeleted --> Purged: purge (not while purge protection holds)
#   SoftDeleted --> Purged: retention period ends
# ```

# %%
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.resource.resources import ResourceManagementClient

credential = DefaultAzureCredential()
resources = ResourceManagementClient(credential, cfg.subscription_id)
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
msi = ManagedServiceIdentityClient(credential, cfg.subscription_id)

# %% [markdown]
# ## Delete what this lab home created

# %%
from azure.core.exceptions import ResourceNotFoundError

try:
    group = resources.resource_groups.get(cfg.resource_group)
except ResourceNotFoundError:
    group = None
if group is None:
    print(f"{cfg.resource_group} does not exist: nothing to delete")
else:
    inside = list(resources.resources.list_by_resource_group(cfg.resource_group))
    others = [r.name for r in inside if not cfg.made_here(r.tags)]
    if cfg.made_here(group.tags) and not others:
        lab.wait(resources.resource_groups.begin_delete(cfg.resource_group), "Deleting the resource group")
        print(f"{cfg.resource_group} and everything in it: deleted")
    else:
        why = f"it also holds {', '.join(others)}" if others else "this lab home did not create it"
        print(f"Not deleting the resource group {cfg.resource_group}: {why}. Deleting what this lab home made:")
        mine = [r for r in inside if cfg.made_here(r.tags)]
        for r in mine:                                  # the Foundry resource first: it uses the key
            if r.type == "Microsoft.CognitiveServices/accounts":
                lab.wait(cs.accounts.begin_delete(cfg.resource_group, r.name), f"Deleting {r.name}")
        for r in mine:                                  # 09's user-assigned identity, not soft-deleted
            if r.type == "Microsoft.ManagedIdentity/userAssignedIdentities":
                msi.user_assigned_identities.delete(cfg.resource_group, r.name)
                print(f"{r.name}: deleted")
        for r in mine:
            if r.type == "Microsoft.KeyVault/vaults":
                kv.vaults.delete(cfg.resource_group, r.name)
                print(f"{r.name}: deleted")

# %%
lab.check("99-deleted")

# %% [markdown]
# ## What stays soft-deleted

# %%
for deleted in kv.vaults.list_deleted():
    if deleted.name == cfg.key_vault_name:
        p = deleted.properties
        print(f"key vault {deleted.name}: deleted {p.deletion_date:%Y-%m-%d}, purge protection "
              f"{p.purge_protection_enabled}, kept until {p.scheduled_purge_date:%Y-%m-%d}")
for deleted in cs.deleted_accounts.list():
    if deleted.name == cfg.foundry_name and cfg.made_here(deleted.tags):
        print(f"Foundry resource {deleted.name}: deleted {deleted.properties.deletion_date[:10]}, "
              f"kept until {deleted.properties.scheduled_purge_date[:10]}")

# %% [markdown]
# ## Purge what may be purged
#
# Purging the Foundry resource frees its name and quota at once (it needs the
# `deletedAccounts/delete` permission on the subscription, which Owner has). Purging the vault is
# refused: read Azure's answer.

# %%
from azure.core.exceptions import HttpResponseError

if any(d.name == cfg.foundry_name and cfg.made_here(d.tags) for d in cs.deleted_accounts.list()):
    lab.wait(cs.deleted_accounts.begin_purge(cfg.region, cfg.resource_group, cfg.foundry_name),
             "Purging the Foundry resource")
try:
    lab.wait(kv.vaults.begin_purge_deleted(cfg.key_vault_name, cfg.region), "Purging the key vault")
except HttpResponseError as refusal:
    print("Key vault not purged:")
    lab.explain(refusal)

# %%
lab.check("99-purged")

# %% [markdown]
# ## Recap
#
# Nothing of yours is left running. The vault stays soft-deleted, protected, until its retention period
# ends, and its name stays taken until then: the next run of **00-setup** proposes a new vault name, and
# a notebook beyond the exercise opened now starts over with fresh names. A soft-deleted vault costs
# nothing; Microsoft says that charges for a Foundry resource go on during its soft-delete retention,
# which is why it was purged.
