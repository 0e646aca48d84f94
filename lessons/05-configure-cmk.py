# %% [markdown]
# # 05 · Encrypt the Foundry resource with your key
#
# **Exercise task 5.** Setting the resource's `encryption` to your key is a long-running operation:
# Azure accepts the update (`202 Accepted`) and reports its outcome when the operation ends. Microsoft
# documents what the key must satisfy, and the resource uses it **as its own identity**: the vault in
# the same region and tenant, with soft delete and purge protection; an RSA (or RSA-HSM) 2048 key; the
# identity allowed to get, wrap and unwrap it. Which error Azure reports for each failure is not
# documented (the sandbox's codes are its own: docs/cognitive-services-cmk.md).
#
# The role from step 4 takes a while to reach Key Vault (Azure documents up to 10 minutes); until then
# the update fails. `lab.retry_rbac(..., key_access=True)` retries the **whole** operation, start and
# outcome, while the refusal speaks of access to the vault, for a bounded time, and then says how long
# it waited.
#
# Before you switch, know that:
# - a Foundry resource **cannot go back** to Microsoft-managed keys; it can only move to another key
#   in the **same vault**;
# - the update names a **key version**. Rotation adds versions but re-encrypts nothing: after a
#   rotation, run the update cell again to move the resource to the new version;
# - revoking the identity's role, or disabling or deleting the key, makes the resource's data
#   unreadable.
#
# This replaces the resource's *Encryption* page (Customer Managed Keys → Select a key → Save).
#
# ```mermaid
# sequenceDiagram
#   participant You
#   participant Foundry as Foundry resource provider
#   participant KV as Key vault
#   You->>Foundry: PATCH encryption = your key (vault URI, name, version)
#   Foundry->>KV: as its identity: get key, wrap its data key
#   KV-->>Foundry: OK (the role of step 4)
#   Foundry-->>You: encryption: Microsoft.KeyVault
# ```

# %% [markdown]
# ## Start where 04 ends
#
# This notebook builds on the key vault, the key, the Foundry resource and its identity's access to the
# key. `lab.ensure_done(cfg, "04")` runs the checks of 01-04. If one is red (you opened this notebook
# first, or changed something since), it replays 01-04 with the same SDK calls and says so; when the lab
# is already there, it changes nothing. After 99-cleanup it starts over with fresh names (the old vault
# name stays held while the vault is soft-deleted).

# %%
lab.ensure_done(cfg, "04")

# %%
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
key = KeyClient(vault.properties.vault_uri, credential).get_key(cfg.key_name)   # its latest version
print(f"key {key.name}, latest version {key.properties.version}")

# %% [markdown]
# ## Switch the encryption to your key

# %%
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Encryption, KeyVaultProperties

change = Account(properties=AccountProperties(encryption=Encryption(
    key_source="Microsoft.KeyVault",
    key_vault_properties=KeyVaultProperties(
        key_vault_uri=vault.properties.vault_uri,
        key_name=key.name,
        key_version=key.properties.version,
    ),
)))
account = lab.retry_rbac(cs.accounts.begin_update, cfg.resource_group, cfg.foundry_name, change,
                         key_access=True, what="Updating the Foundry resource to your key")
used = account.properties.encryption
print(f"{account.name}: {used.key_source}, key {used.key_vault_properties.key_name} "
      f"version {used.key_vault_properties.key_version}")

# %%
lab.check("05-cmk")

# %% [markdown]
# ## What the identity may do, and what it may not
#
# The role from 04 grants the Foundry identity three data actions on this one key: get it, wrap a key
# with it, unwrap one. Here the lab acts **as that identity** and asks Key Vault for more. In the sandbox
# `lab.identity_credential` gets the identity's token from the sandbox's managed-identity endpoint, as
# the resource itself would. On Azure no sign-in of yours can act as a system-assigned identity (only
# its resource gets its tokens), so the table shows what the role's `dataActions` allow, untried.
#
# `CryptographyClient` wraps locally with the public key when it can read the key, so the wrap goes to
# Key Vault's own `wrapkey` operation through `KeyClient.send_request` (`lab.wrap_remotely`).

# %% tags=["nbval-ignore-output"]
import hashlib
import os

from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm, SignatureAlgorithm
from azure.mgmt.authorization import AuthorizationManagementClient

auth = AuthorizationManagementClient(credential, cfg.subscription_id)
role = next(auth.role_definitions.list(f"{vault.id}/keys/{cfg.key_name}",
                                       filter="roleName eq 'Key Vault Crypto Service Encryption User'"))
as_identity = lab.identity_credential(cfg, account.identity.principal_id)   # a token for the Foundry identity
its_keys = KeyClient(vault.properties.vault_uri, as_identity)
its_crypto = CryptographyClient(key.id, as_identity)
data_key = os.urandom(32)
# a data key wrapped by you, locally with the public key: the identity is asked to unwrap and to decrypt it
yours = CryptographyClient(key.id, credential).wrap_key(KeyWrapAlgorithm.rsa_oaep_256, data_key).encrypted_key

A = "Microsoft.KeyVault/vaults/keys/"
outcome = lab.show_privileges(role, [
    lab.Trial("get the key", A + "read", lambda: its_keys.get_key(cfg.key_name)),
    lab.Trial("wrap a data key", A + "wrap/action", lambda: lab.wrap_remotely(its_keys, key.id, data_key)),
    lab.Trial("unwrap a data key", A + "unwrap/action",
              lambda: its_crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, yours)),
    lab.Trial("decrypt the same bytes", A + "decrypt/action",
              lambda: its_crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, yours)),
    lab.Trial("sign a digest", A + "sign/action",
              lambda: its_crypto.sign(SignatureAlgorithm.rs256, hashlib.sha256(b"cmk lab").digest())),
    lab.Trial("create a key", A + "create/action", lambda: its_keys.create_rsa_key(cfg.key_name, size=2048)),
    lab.Trial("rotate the key", A + "rotate/action", lambda: its_keys.rotate_key(cfg.key_name)),
    lab.Trial("delete the key", A + "delete", lambda: its_keys.begin_delete_key(cfg.key_name)),
], as_identity)

# %% [markdown]
# Decrypting is the same RSA operation as unwrapping, on the same bytes, yet it is refused: Key Vault
# decides by the data action asked for, and the role grants `unwrap/action`, not `decrypt/action`. The
# identity cannot sign with the key, make new versions or delete it either. Key Vault's answer to each
# refusal is `403 Forbidden` with the inner code `ForbiddenByRbac`.
#
# ## The chain of trust
#
# The resource's data now hangs on a chain of links, each of which you control, and every link is made.
# `lab.show_chain` reads each one from the real state and draws it: green holds, amber holds but needs
# you soon, red is broken. The version in use has no expiry: it was made before the rotation policy,
# whose 210 days apply to the versions rotation makes (07). The notebooks beyond the exercise break and
# mend some of these links.

# %% tags=["nbval-ignore-output"]
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# The Foundry resource's data is now protected by your key: you control its rotation, and removing the
# identity's access would lock the data. Key Vault's audit log (AuditEvent) records each use of the key
# by the identity: on Azure only once a diagnostic setting sends the vault's AuditEvent logs to Log
# Analytics, a storage account or an event hub, and the records arrive minutes later (Azure says
# within about 10; AZD key-vault/general/logging.md). The sandbox keeps them always. Beyond the
# exercise, **07-rotate-the-key** and **08-revoke-and-restore** show both, **09-user-assigned-identity**
# and **10-close-the-vault-firewall** harden the set-up; the last step is **99-cleanup**.
