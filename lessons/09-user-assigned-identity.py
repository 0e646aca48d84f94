# %% [markdown]
# # 09 · Use the key through a user-assigned identity
#
# **Beyond the exercise.** The exercise's background names two kinds of managed identity for reaching the
# key. Steps 3-5 used the **system-assigned** one: it comes and goes with the Foundry resource, so it only
# exists once the resource does, and the resource must start on Microsoft-managed keys. A
# **user-assigned** identity is a resource of its own (`Microsoft.ManagedIdentity/userAssignedIdentities`):
# you create it first, grant it the key, and any resource you attach it to can use it. That is how a
# resource can be encrypted with your key from its creation, and how several resources can share one
# identity (and one grant).
#
# Here you create one, grant it the role on the key, attach it to the Foundry resource, and switch the
# resource's encryption to go through it: `keyVaultProperties.identityClientId` names the identity by its
# client id. The system-assigned identity stays attached, but no longer reaches the key for the resource.
#
# ```mermaid
# flowchart LR
#   uai((user-assigned identity)) -->|Key Vault Crypto Service<br/>Encryption User| key[[the key only]]
#   foundry[Foundry resource] -->|identityClientId| uai
#   foundry -.- sys((system-assigned identity))
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
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
auth = AuthorizationManagementClient(credential, cfg.subscription_id)
msi = ManagedServiceIdentityClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
keys = KeyClient(vault.properties.vault_uri, credential)

# %% [markdown]
# ## Create the identity
#
# It lives in your resource group, in the vault's region, named after your Foundry resource
# (`cfg.identity_name`), with the lab's tags, so that 99-cleanup knows it is yours. Azure gives it a
# service principal: `principal_id` is what role assignments name, `client_id` is what a resource names
# to use it. Creating it again with the same name keeps both. An identity of that name made by someone
# else is left alone: granting it your key would hand your key to them.

# %%
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.msi.models import Identity

try:
    found = msi.user_assigned_identities.get(cfg.resource_group, cfg.identity_name)
except ResourceNotFoundError:
    found = None
if found is not None and not cfg.made_here(found.tags):
    raise lab.NotMadeHere(f"{found.name} exists but this lab home did not create it (its tags say so): "
                          "choose another Foundry resource name in 00-setup")
identity = msi.user_assigned_identities.create_or_update(
    cfg.resource_group, cfg.identity_name, Identity(location=cfg.region, tags=cfg.tags))
print(f"{identity.name}: principal {identity.principal_id}, client {identity.client_id}, tags {identity.tags}")

# %% [markdown]
# ## Grant it the key
#
# The same role as in 04, on the same narrow scope (the key), for the new identity.

# %%
from azure.core.exceptions import ResourceExistsError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

key_scope = f"{vault.id}/keys/{cfg.key_name}"
role = next(auth.role_definitions.list(key_scope, filter="roleName eq 'Key Vault Crypto Service Encryption User'"))
try:
    lab.retry_rbac(
        auth.role_assignments.create,
        key_scope,
        lab.assignment_name(key_scope, identity.principal_id, role.id),   # same name on every run
        RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=identity.principal_id,
                                       principal_type="ServicePrincipal"),
        what="granting the key to the user-assigned identity",
    )
except ResourceExistsError:                     # RoleAssignmentExists: granted another way
    pass
print(f"{role.role_name}: assigned to {identity.name} on the key {cfg.key_name}")

# %% [markdown]
# ## Attach it to the Foundry resource
#
# The resource keeps its system-assigned identity (`"SystemAssigned, UserAssigned"`); the value of each
# user-assigned entry is empty in a request, and Azure fills in its principal and client ids.

# %%
from azure.mgmt.cognitiveservices.models import Account, UserAssignedIdentity
from azure.mgmt.cognitiveservices.models import Identity as AccountIdentity

account = lab.wait(cs.accounts.begin_update(cfg.resource_group, cfg.foundry_name, Account(identity=AccountIdentity(
    type="SystemAssigned, UserAssigned", user_assigned_identities={identity.id: UserAssignedIdentity()}))),
    "Attaching the identity")
for resource_id, attached in account.identity.user_assigned_identities.items():
    print(f"attached: {resource_id.rsplit('/', 1)[-1]} (client {attached.client_id})")

# %% [markdown]
# ## Encrypt through it
#
# The update of 05 with one more property: `identity_client_id`. Azure checks the key as that identity,
# so the grant above must be in effect: as in 05, `lab.retry_rbac(..., key_access=True)` retries the
# whole operation while the refusal speaks of access to the vault.

# %%
from azure.mgmt.cognitiveservices.models import AccountProperties, Encryption, KeyVaultProperties

key = keys.get_key(cfg.key_name)
change = Account(properties=AccountProperties(encryption=Encryption(
    key_source="Microsoft.KeyVault",
    key_vault_properties=KeyVaultProperties(key_vault_uri=vault.properties.vault_uri, key_name=key.name,
                                            key_version=key.properties.version,
                                            identity_client_id=identity.client_id),
)))
account = lab.retry_rbac(cs.accounts.begin_update, cfg.resource_group, cfg.foundry_name, change,
                         key_access=True, what="Updating the Foundry resource to the user-assigned identity")
print(f"key {key.name} version {key.properties.version}, through identityClientId "
      f"{account.properties.encryption.key_vault_properties.identity_client_id}")

# %%
lab.check("09-user-assigned")

# %% [markdown]
# ## What the new identity may do
#
# As in 05, the lab acts as the identity (in the sandbox: a token from its managed-identity endpoint, by
# `client_id`). On Azure a user-assigned identity's tokens are issued only on the resources it is
# attached to, so the table shows the role's `dataActions` only.

# %%
import os

A = "Microsoft.KeyVault/vaults/keys/"
as_identity = lab.identity_credential(cfg, client_id=identity.client_id)
its_keys = KeyClient(vault.properties.vault_uri, as_identity)
outcome = lab.show_privileges(role, [
    lab.Trial("get the key", A + "read", lambda: its_keys.get_key(cfg.key_name)),
    lab.Trial("wrap a data key", A + "wrap/action", lambda: lab.wrap_remotely(its_keys, key.id, os.urandom(32))),
    lab.Trial("rotate the key", A + "rotate/action", lambda: its_keys.rotate_key(cfg.key_name)),
], as_identity)

# %% [markdown]
# ## The chain of trust, through the new identity

# %% tags=["nbval-ignore-output"]
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# The Foundry resource now reaches your key through an identity that you created, granted and attached
# yourself, and that would outlive the resource. Removing its role on the key, or detaching it, cuts the
# resource off from its data as revoking the key does.
#
# This notebook deleted nothing. **99-cleanup** deletes the identity with the rest of what this lab home
# made (its tags say so).
