# %% [markdown]
# # 01 · Create the key vault
#
# **Exercise task 1.** The key that will protect the Foundry resource lives in a key vault. For a
# customer-managed key, Azure requires the vault to keep deleted keys recoverable:
#
# - **soft delete** (always on for new vaults): a deleted vault or key is kept for a retention period;
#   we choose **7 days**, the minimum, so the lab is cheap to repeat (use more in production);
# - **purge protection**: during that period nobody, not even an Owner, can purge it. Once on, it can
#   never be turned off;
# - **Azure RBAC** as the permission model, so access to keys is granted with role assignments.
#
# This replaces the portal's *Key vaults → + Create* wizard (Basics, Access configuration, Networking).
#
# ```mermaid
# flowchart LR
#   rg[Resource group] --> kv[(Key vault<br/>Standard tier)]
#   kv -.- sd[Soft delete: 7 days]
#   kv -.- pp[Purge protection: on, for good]
#   kv -.- rbac[Permission model: Azure RBAC]
# ```

# %%
from azure.identity import DefaultAzureCredential
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

credential = DefaultAzureCredential()
resources = ResourceManagementClient(credential, cfg.subscription_id)
kv = KeyVaultManagementClient(credential, cfg.subscription_id)

# %% [markdown]
# ## Fresh names after 99-cleanup
#
# A vault's name is global, and a deleted vault keeps its name while it is soft-deleted (7 days here;
# with purge protection nobody can shorten that). So after **99-cleanup** your old vault name is still
# taken: `lab.ensure_done(cfg, "00")` then picks a fresh one (and a fresh Foundry name if the old one is
# still held), saves them for the next notebooks and says so. Otherwise it changes nothing.

# %%
lab.ensure_done(cfg, "00")

# %% [markdown]
# ## The resource group
#
# On a class subscription you may share it with classmates, so everything the lab creates carries
# **tags**: the lab, you (your object id) and your lab home (`cfg.tags`). Cleanup later deletes only
# what these tags say is yours. `create_or_update` makes the group, or updates your own; a group made
# by someone else is kept as it is. A group's region is fixed for good: if yours exists in another
# region, Azure refuses the update (`InvalidResourceGroupLocation`), and the group stays usable.

# %%
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

try:
    group = resources.resource_groups.get(cfg.resource_group)
except ResourceNotFoundError:
    group = None
if group is not None and not cfg.made_here(group.tags):
    print(f"{group.name} exists (in {group.location}), made by someone else: the lab uses it and leaves it as it is")
else:
    try:
        group = resources.resource_groups.create_or_update(cfg.resource_group,
                                                           {"location": cfg.region, "tags": cfg.tags})
        print(f"{group.name} in {group.location}: {group.properties.provisioning_state}, tags {group.tags}")
    except HttpResponseError as refusal:
        lab.explain(refusal)

# %%
lab.check("01-resource-group")

# %% [markdown]
# ## The vault
#
# Every setting of the portal's form is one property below. Running the cell again sends the same
# definition, so it changes nothing (the retention period is fixed at creation anyway).

# %%
from azure.mgmt.keyvault.models import Sku, VaultCreateOrUpdateParameters, VaultProperties

definition = VaultCreateOrUpdateParameters(
    location=cfg.region,
    tags=cfg.tags,                              # made by this lab home, for you
    properties=VaultProperties(
        tenant_id=cfg.tenant_id,
        sku=Sku(family="A", name="standard"),   # pricing tier: Standard
        enable_soft_delete=True,
        soft_delete_retention_in_days=7,        # days to retain deleted vaults
        enable_purge_protection=True,           # required for CMK; irreversible
        enable_rbac_authorization=True,         # permission model: Azure role-based access control
        public_network_access="Enabled",        # all networks, for simplicity (restrict it in production)
    ),
)
vault = lab.wait(kv.vaults.begin_create_or_update(cfg.resource_group, cfg.key_vault_name, definition),
                 "Creating the key vault")
print(f"{vault.name}: {vault.properties.vault_uri}")

# %%
lab.check("01-key-vault")

# %% [markdown]
# ## The chain of trust so far
#
# The Foundry resource's data will hang on a chain of links, from this vault to the resource.
# `lab.show_chain` reads each link from the real state and draws it: green holds, grey is not made yet
# (its reason names the notebook that makes it), red is broken. After 01 the vault is the only link.

# %%
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# The vault exists with soft delete, purge protection and Azure RBAC. Being its creator does not let
# you use its keys: with Azure RBAC, key operations need a **data** role, which **02-generate-key**
# grants you first. Note that the vault's name is now taken for everyone, and stays taken for 7 days
# after you delete it.
