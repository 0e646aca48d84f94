# %% [markdown]
# # 04 · Grant the Foundry identity access to the key
#
# **Exercise task 4.** To encrypt with your key, the Foundry resource's identity must **get** the key,
# **wrap** (encrypt) its own data-encryption key with it and **unwrap** it again. The built-in role
# **Key Vault Crypto Service Encryption User** grants exactly these three data actions. Assigning it on
# the **key** rather than the vault is least privilege: the identity can use this one key and nothing
# else in the vault. (Microsoft's Foundry guide names **Key Vault Crypto User**, which also lets the
# identity encrypt, decrypt, sign and verify; the narrower role covers what the guide says is needed.)
#
# A managed identity's service principal may take a moment to replicate in Entra ID; setting
# `principal_type="ServicePrincipal"` lets Azure accept the assignment anyway (no `PrincipalNotFound`).
#
# ```mermaid
# flowchart LR
#   id((Foundry identity)) -->|Key Vault Crypto Service<br/>Encryption User| key[[the key only]]
#   key --- kv[(Key vault)]
# ```

# %% [markdown]
# ## Start where 03 ends
#
# This notebook builds on the key vault, the key and the Foundry resource. `lab.ensure_done(cfg, "03")`
# runs the checks of 01-03. If one is red (you opened this notebook first, or changed something since),
# it replays 01-03 with the same SDK calls and says so; when the lab is already there, it changes
# nothing. After 99-cleanup it starts over with fresh names (the old vault name stays held while the
# vault is soft-deleted).

# %%
lab.ensure_done(cfg, "03")

# %%
from azure.identity import DefaultAzureCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
auth = AuthorizationManagementClient(credential, cfg.subscription_id)

# %% [markdown]
# ## What the role allows

# %%
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
key_scope = f"{vault.id}/keys/{cfg.key_name}"           # the key itself, the narrowest scope
role = next(auth.role_definitions.list(key_scope, filter="roleName eq 'Key Vault Crypto Service Encryption User'"))
for data_action in role.permissions[0].data_actions:
    print(data_action)

# %% [markdown]
# ## Assign it to the Foundry identity on the key
#
# If the identity already holds the role on the key under another assignment (given in the portal, for
# instance), Azure answers `409 RoleAssignmentExists`: the grant is there, so the cell carries on.

# %%
from azure.core.exceptions import ResourceExistsError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

identity = cs.accounts.get(cfg.resource_group, cfg.foundry_name).identity.principal_id
try:
    lab.retry_rbac(
        auth.role_assignments.create,
        key_scope,
        lab.assignment_name(key_scope, identity, role.id),   # same name on every run: no duplicates
        RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=identity,
                                       principal_type="ServicePrincipal"),
        what="granting the key to the Foundry identity",
    )
except ResourceExistsError as refusal:                      # RoleAssignmentExists: granted another way
    lab.explain(refusal)
print(f"{role.role_name}: assigned to the identity of {cfg.foundry_name} on the key {cfg.key_name}")

# %%
lab.check("04-key-access")

# %% [markdown]
# ## The chain of trust so far
#
# The role assignment joins the identity to the key. The resource still encrypts with Microsoft-managed
# keys: 05 switches it to your key, which completes the chain.

# %%
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# The Foundry identity may get, wrap and unwrap this one key, and nothing more. Next,
# **05-configure-cmk** tells the Foundry resource to use it.
