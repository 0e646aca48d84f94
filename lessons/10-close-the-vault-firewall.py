# %% [markdown]
# # 10 · Close the vault's firewall
#
# **Beyond the exercise.** Until now the vault took requests from every network (`public_network_access`
# Enabled, no network rules), as the exercise does "for simplicity". Hardened, a vault denies by default:
# `network_acls` with `default_action="Deny"` refuses every address that is not in its `ip_rules`, and
# `bypass="AzureServices"` lets **trusted Microsoft services** through, among them Azure AI services using a
# customer-managed key. So the Foundry resource keeps using its key while your own calls to Key Vault are
# refused, with Key Vault's `403 Forbidden` and inner code `ForbiddenByFirewall`, until you allow your
# address. Management calls (ARM: reading the vault, changing its rules, deleting it) are not subject to
# the vault's firewall, so 99-cleanup still works.
#
# In the sandbox your address is the loopback address the sandbox sees; on Azure it is your public
# address, which Key Vault names in its refusal. Azure says new network rules may take a few minutes
# to apply.
#
# ```mermaid
# flowchart LR
#   you([You]) -. "403 ForbiddenByFirewall<br/>until your address is allowed" .-> kv[(Key vault<br/>default action Deny)]
#   foundry[Foundry resource] -->|trusted service: bypass AzureServices| kv
# ```

# %% [markdown]
# ## Start where 05 ends
#
# `lab.ensure_cmk` runs the checks of 01-05. If one is red (you skipped a notebook, or changed
# something since), it replays those steps with the same SDK calls, then says where the lab stands. When
# the lab is already there, it changes nothing. After 99-cleanup it starts over with fresh names (the
# old vault name stays held while the vault is soft-deleted) and says so.

# %%
lab.ensure_cmk(cfg)

# %%
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
keys = KeyClient(vault.properties.vault_uri, credential)
account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)

# %% [markdown]
# ## Watch the resource: your data role and its endpoint
#
# As in 08, **Cognitive Services OpenAI User** on the resource lets you call its endpoint.
# `lab.endpoint_as_you` does what 08's cells do (the same role assignment, so nothing new if 08 made it,
# and 08's `list_models`), since this notebook is about the firewall. In the sandbox each call makes the
# resource use its key, through the vault's firewall (the sandbox's model); Azure does not document
# which calls use the key, and the vault's AuditEvent logs show the resource's own key operations.

# %%
list_models = lab.endpoint_as_you(cfg, account)
print("endpoint:", ", ".join(lab.retry_rbac(list_models, what="calling the Foundry endpoint")))

# %% [markdown]
# ## Close the firewall
#
# Deny by default, trusted services through, no address allowed yet.

# %%
from azure.mgmt.keyvault.models import NetworkRuleSet, VaultPatchParameters, VaultPatchProperties

vault = kv.vaults.update(cfg.resource_group, cfg.key_vault_name, VaultPatchParameters(properties=VaultPatchProperties(
    network_acls=NetworkRuleSet(default_action="Deny", bypass="AzureServices", ip_rules=[], virtual_network_rules=[]),
)))
acls = vault.properties.network_acls
print(f"default action {acls.default_action.value}, bypass {acls.bypass.value}, "
      f"allowed addresses: {len(acls.ip_rules or [])}")

# %% [markdown]
# ## Your calls are refused; the resource's are not
#
# Reading the key is a data-plane call: the firewall answers before your role is even looked at. Key
# Vault's message names the address it saw.

# %%
from azure.core.exceptions import HttpResponseError

try:
    keys.get_key(cfg.key_name)
    print("your call went through: the new rules are not in effect yet; run this cell again in a minute")
    your_address = None
except HttpResponseError as refusal:
    print(f"{refusal.status_code} {refusal.error.code} ({refusal.error.innererror['code']})")
    print(refusal.error.message)
    your_address = refusal.error.message.split("Client address: ")[1].split()[0]
print("endpoint:", ", ".join(list_models()))

# %%
lab.check("10-refused")

# %% [markdown]
# ## Allow your address
#
# One IP rule with the address Key Vault saw (on Azure a range in CIDR form works too, for an office
# network). If your address changes, your calls are refused again: come back to this cell.

# %%
from azure.mgmt.keyvault.models import IPRule

vault = kv.vaults.update(cfg.resource_group, cfg.key_vault_name, VaultPatchParameters(properties=VaultPatchProperties(
    network_acls=NetworkRuleSet(default_action="Deny", bypass="AzureServices",
                                ip_rules=[IPRule(value=your_address)], virtual_network_rules=[]),
)))
print("allowed:", ", ".join(rule.value for rule in vault.properties.network_acls.ip_rules))
key = lab.retry_rbac(keys.get_key, cfg.key_name, what="reading the key")
print(f"your call: key {key.name}, version {key.properties.version}")
print("endpoint:", ", ".join(list_models()))

# %%
lab.check("10-your-address")

# %% tags=["nbval-ignore-output"]
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# The vault now answers only your address and trusted Microsoft services; the Foundry resource used its
# key throughout. The lab stays in this state: the other notebooks work from your address, and if it
# changes they get `ForbiddenByFirewall` until you run the allow cell again. Deleting the resource group
# in **99-cleanup** is a management call, which the vault's firewall does not govern.

# %% [markdown]
# ## Where the lab stands
#
# Every notebook's checks, as in 08: `10-refused` shows the moment before your address was allowed.

# %% tags=["nbval-ignore-output"]
lab.check_all()
