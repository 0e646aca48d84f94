# %% [markdown]
# # 00 · Set up the lab
#
# You will protect an **Azure AI Foundry resource** with a **customer-managed key** (CMK) that you hold in
# **Azure Key Vault**. The Foundry resource reaches the key with its own **system-assigned managed
# identity**, which gets only the rights it needs: get, wrap and unwrap that one key.
#
# | Notebook | Replaces this portal task of the exercise |
# |---|---|
# | 01-create-key-vault | Task 1: create a vault with soft delete (7 days), purge protection and Azure RBAC |
# | 02-generate-key | Task 2: make yourself Key Vault Administrator, generate an RSA 2048 key with a rotation policy |
# | 03-create-foundry-resource | Task 3: create the Foundry resource (Microsoft-managed key at first) and its project |
# | 04-grant-key-access | Task 4: let the resource's identity use the key (Key Vault Crypto Service Encryption User) |
# | 05-configure-cmk | Task 5: switch the resource's encryption to your key |
# | 99-cleanup | Task 6: delete everything, then see what stays soft-deleted and why |
#
# Beyond the exercise, four notebooks show what holding the key means. Any notebook can be opened right
# after this one: each starts by bringing the lab to where the notebook before it ends (and says what it
# replayed). Clean up with 99-cleanup.
#
# | Notebook | What it shows |
# |---|---|
# | 07-rotate-the-key | a rotation adds a key version; the resource keeps the old one until you update it |
# | 08-revoke-and-restore | disable the key and the resource stops working; enable it and it works again |
# | 09-user-assigned-identity | the resource uses the key through an identity you make and manage yourself |
# | 10-close-the-vault-firewall | the vault refuses the internet, yet the resource keeps using its key |
#
# ```mermaid
# flowchart LR
#   you([You]) -->|Key Vault Administrator| kv[(Key vault<br/>purge protection)]
#   kv --- key[[RSA 2048 key<br/>rotation policy]]
#   foundry[Foundry resource<br/>kind AIServices] -->|system-assigned identity:<br/>get, wrap, unwrap| key
#   foundry --- project[Default project]
# ```
#
# **Two modes, same cells.** In `sandbox` mode (the default) the lab starts an embedded Azure emulator:
# no account, no cost, nothing leaves this machine. In `azure` mode the same cells work on your real
# subscription, signed in through `DefaultAzureCredential` (for instance after `az login`). Only the
# connection differs; every SDK call below is the one you would run against Azure.
#
# This notebook chooses the mode, subscription, region and names. The other notebooks read them back,
# even after a kernel restart.
#
# **You are one lab home.** A class often shares one subscription. Your lab home (`$CMKLAB_HOME`) has an
# id of its own: your default names end with it (`aifoundry-cmkencryption-RG-<id>`), and everything the
# lab creates is tagged with it, so you never take, change or delete a classmate's resources. Alone on a
# subscription, you may type the exercise's names exactly.

# %% [markdown]
# ## Choose a subscription, a region and names
#
# The form lists your subscriptions with your role in each (the lab needs **Owner**, which may come
# through a group or a management group), the regions where your subscription may create **both** a key
# vault and a Foundry resource, and checks names as you type. The badge and the check below name the
# tenant you are signed in to: a guest in several tenants may need `az login --tenant <id>`. A key vault name is
# global: it must be free in all of Azure, including vaults that were deleted but not purged. Each
# change is saved at once. Running headless, the form is replaced by the choices papermill passed.

# %% tags=["nbval-ignore-output"]
lab.setup_form(cfg)

# %% [markdown]
# ## What the form asks Azure
#
# These are the SDK calls behind the form. The providers API says where Key Vault is offered; where a
# Foundry resource (kind `AIServices`, SKU `S0`) may be created is the Cognitive Services **resource
# SKUs** list, which also gives the restrictions that apply to *your* subscription (the providers API
# lists every Cognitive Services kind together, and knows nothing of restrictions). Each provider
# checks names in all of Azure.

# %%
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

credential = DefaultAzureCredential()
resources = ResourceManagementClient(credential, cfg.subscription_id)
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)


def key_vault_regions():
    provider = resources.providers.get("Microsoft.KeyVault")
    vaults = next(t for t in provider.resource_types if t.resource_type == "vaults")
    return {location.replace(" ", "").lower() for location in vaults.locations}


def foundry_regions():
    """Regions where AIServices S0 is available to this subscription without a Location restriction."""
    found = set()
    for sku in cs.resource_skus.list():
        if sku.kind == "AIServices" and sku.name == "S0":
            restricted = {v.lower() for r in sku.restrictions or [] if r.type == "Location" for v in r.values or []}
            found |= {location.lower() for location in sku.locations} - restricted
    return found


both = key_vault_regions() & foundry_regions()
print(f"{len(both)} regions offer key vaults and Foundry resources to this subscription;",
      f"{cfg.region}: {'yes' if cfg.region in both else 'no'}")

answer = kv.vaults.check_name_availability({"name": cfg.key_vault_name, "type": "Microsoft.KeyVault/vaults"})
print(f"vault name {cfg.key_vault_name}: available={answer.name_available}", answer.reason or "")

answer = cs.check_domain_availability(subdomain_name=cfg.foundry_name, type="Microsoft.CognitiveServices/accounts",
                                      kind="AIServices")
print(f"sub-domain {cfg.foundry_name}: available={answer.is_subdomain_available}", answer.reason or "")

# %% [markdown]
# A name that is *not* available is fine when it is already yours (a re-run): the check below tells.

# %%
lab.check("00-setup")

# %% [markdown]
# ## Recap
#
# You are connected, and your choices are saved under `$CMKLAB_HOME` (default `~/.cmklab`). Continue
# with **01-create-key-vault**. Each notebook ends its steps with a check cell: green means the real
# state in Azure is right; a red line says what is wrong and what to do.
