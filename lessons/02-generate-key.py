# %% [markdown]
# # 02 · Generate the encryption key
#
# **Exercise task 2.** Even as Owner of the subscription you cannot create a key yet: Owner grants
# management *actions*, while key operations are *data actions* that only Key Vault roles grant. So you
# first give yourself **Key Vault Administrator** on the vault, then generate an **RSA 2048** key (the
# only kind a Foundry resource accepts) with a **rotation policy**.
#
# New role assignments take a while to reach Key Vault (Azure documents up to 10 minutes). Until then
# Key Vault answers `403 ForbiddenByRbac`; the lab retries with a countdown instead of failing.
#
# ```mermaid
# sequenceDiagram
#   participant You
#   participant ARM as Azure Resource Manager
#   participant KV as Key vault (data plane)
#   You->>ARM: role assignment: Key Vault Administrator on the vault
#   You->>KV: create key
#   KV-->>You: 403 ForbiddenByRbac (assignment not propagated yet)
#   You->>KV: retry after a pause
#   KV-->>You: key created
# ```

# %% [markdown]
# ## Start where 01 ends
#
# This notebook builds on the key vault. `lab.ensure_done(cfg, "01")` runs the checks of 01. If one is
# red (you opened this notebook first, or changed something since), it replays 01 with the same SDK calls
# and says so; when the lab is already there, it changes nothing. After 99-cleanup it starts over with
# fresh names (the old vault name stays held while the vault is soft-deleted).

# %%
lab.ensure_done(cfg, "01")

# %%
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
auth = AuthorizationManagementClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
keys = KeyClient(vault.properties.vault_uri, credential)

# %% [markdown]
# ## Make yourself Key Vault Administrator on the vault
#
# A role assignment links a principal (you), a role definition and a scope (the vault). Its name is a
# GUID; deriving it from those three makes re-running this cell update the same assignment instead of
# adding another.

# %%
from azure.core.exceptions import ResourceExistsError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

role = next(auth.role_definitions.list(vault.id, filter="roleName eq 'Key Vault Administrator'"))
me = cfg.learner_object_id                      # your object id, read from your sign-in token
try:
    auth.role_assignments.create(
        vault.id,
        lab.assignment_name(vault.id, me, role.id),
        RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=me,
                                       principal_type=cfg.learner_principal_type),
    )
except ResourceExistsError:                     # RoleAssignmentExists: you were given it another way
    pass
print(f"{role.role_name}: assigned to you on {vault.name}")

# %%
lab.check("02-administrator")

# %% [markdown]
# ## Generate the key
#
# A second `create_rsa_key` would add a new *version* (that is what rotation does), so the cell keeps
# an existing key. `lab.retry_rbac` repeats the call while the role assignment propagates.

# %%
from azure.core.exceptions import ResourceNotFoundError


def create_key_once():
    try:
        return keys.get_key(cfg.key_name)
    except ResourceNotFoundError:
        return keys.create_rsa_key(cfg.key_name, size=2048, enabled=True, tags=cfg.tags)


key = lab.retry_rbac(create_key_once, what="creating the key")
print(f"{key.name}: RSA {len(key.key.n) * 8} bits, version {key.properties.version}")

# %%
lab.check("02-key")

# %% [markdown]
# ## The rotation policy
#
# *Rotation time* says when Key Vault makes a new version (6 months after the current one was created);
# *expiry time* says how long each new version stays valid (210 days). Rotating well before expiry keeps
# a valid version at all times. Key Vault adds a *Notify* action 30 days before expiry by itself.

# %%
from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction

policy = keys.update_key_rotation_policy(cfg.key_name, KeyRotationPolicy(
    expires_in="P210D",
    lifetime_actions=[KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P6M")],
))
print(f"new versions expire {policy.expires_in} after creation")
for action in policy.lifetime_actions:
    print(f"- {action.action.value}: {action.time_after_create or ''}{action.time_before_expiry or ''}",
          "after creation" if action.time_after_create else "before expiry")

# %%
lab.check("02-rotation-policy")

# %% [markdown]
# ## The chain of trust so far
#
# The key is the second link. Its reason shows the start of its latest version's id: the Foundry resource
# will name one version, and rotation adds new ones.

# %%
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# You hold Key Vault Administrator on the vault, and the key `aifoundry-encryption-key` (RSA 2048)
# rotates every 6 months. A rotation creates a new version but does not re-encrypt anything: the
# resource that uses the key must be pointed at the new version (05 shows where). Next:
# **03-create-foundry-resource**.
