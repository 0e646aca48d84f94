# %% [markdown]
# # 07 · Rotate the key
#
# **Beyond the exercise.** The exercise says that rotation can be manual or policy-based, that the
# Foundry resource must then be updated to reference the new key version, and that rotation does not
# re-encrypt existing data. This notebook shows each of these through the SDK.
#
# Rotating a key makes a new **version** of it: new key material under the same name. Older versions stay
# as they were, enabled and usable. The Foundry resource names one version (`keyVersion`, set in 05), so
# it keeps using that one until you point it at the new one.
#
# ```mermaid
# flowchart LR
#   subgraph key[aifoundry-encryption-key]
#     v1[[version 1]]
#     v2[[version 2<br/>made by rotation]]
#   end
#   foundry[Foundry resource] -->|keyVersion| v1
#   foundry -.->|after the update| v2
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


# %% [markdown]
# ## The key's versions
#
# Each version has its own identifier (32 hexadecimal characters), creation date and expiry. The arrow
# marks the version the Foundry resource names.

# %%
def show_versions():
    in_use = cs.accounts.get(cfg.resource_group, cfg.foundry_name).properties.encryption.key_vault_properties
    for version in sorted(keys.list_properties_of_key_versions(cfg.key_name), key=lambda v: v.created_on):
        expiry = f"expires {version.expires_on:%Y-%m-%d}" if version.expires_on else "no expiry"
        marker = "  <- the Foundry resource uses this one" if version.version == in_use.key_version else ""
        print(f"{version.version}  created {version.created_on:%Y-%m-%d}  {expiry}  enabled: {version.enabled}{marker}")


show_versions()

# %% [markdown]
# ## Rotate now
#
# `rotate_key` makes the new version at once, with the settings of the rotation policy from 02: it
# expires 210 days after its creation. (The policy's expiry applies only to versions made after the
# policy was set, which is why the first version has none.) Rotating needs the `rotate` permission,
# which your Key Vault Administrator role includes.
#
# Each run of this cell adds one version: that is what a rotation is.

# %%
rotated = keys.rotate_key(cfg.key_name)
print(f"new version {rotated.properties.version}")
show_versions()

# %% [markdown]
# ## The resource still names the old version
#
# Nothing told the Foundry resource about the rotation: it still names the version it was given, and
# its data-encryption key is still wrapped with that version. Rotation re-encrypts nothing.

# %%
in_use = cs.accounts.get(cfg.resource_group, cfg.foundry_name).properties.encryption.key_vault_properties
latest = keys.get_key(cfg.key_name).properties.version
print(f"the Foundry resource uses version {in_use.key_version}")
print(f"the key's latest version is       {latest}")
print("the same version" if in_use.key_version == latest else "not the same: the resource must be updated")

# %% [markdown]
# ## Point the resource at the new version
#
# This is the update of 05, with the latest version. Azure then re-wraps the resource's data-encryption
# key with the new version (Azure says this takes a few minutes); the data itself is not re-encrypted.
# Keep the older versions enabled: anything still wrapped with them can only be unwrapped with them.

# %%
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Encryption, KeyVaultProperties

latest = keys.get_key(cfg.key_name).properties.version
change = Account(properties=AccountProperties(encryption=Encryption(
    key_source="Microsoft.KeyVault",
    key_vault_properties=KeyVaultProperties(key_vault_uri=vault.properties.vault_uri, key_name=cfg.key_name,
                                            key_version=latest),
)))
account = lab.wait(cs.accounts.begin_update(cfg.resource_group, cfg.foundry_name, change),
                   "Updating the Foundry resource")
print(f"{account.name} now uses version {account.properties.encryption.key_vault_properties.key_version}")
show_versions()

# %%
lab.check("07-rotated")

# %% [markdown]
# ## What the rotation policy does on schedule
#
# The policy you set in 02 does what `rotate_key` just did, by itself: **6 months** after the latest
# version was created, Key Vault makes a new one (its audit log records this as `KeyRotateIfDue`), and
# every version it makes expires **210 days** after its creation. Key Vault also raises a *near expiry*
# notification 30 days before a version expires.

# %%
policy = keys.get_key_rotation_policy(cfg.key_name)
print(f"new versions expire {policy.expires_in} after creation")
for action in policy.lifetime_actions:
    print(f"- {action.action.value}: {action.time_after_create or ''}{action.time_before_expiry or ''}",
          "after creation" if action.time_after_create else "before expiry")

# %% [markdown]
# Rotating every 6 months with versions that live 210 days leaves about four weeks to move the resource
# to the new version before the one it uses expires. The policy never updates the resource: that is
# still your update above, by hand or automated (for instance on Key Vault's `KeyNewVersionCreated`
# Event Grid event).
#
# What if the update named no `keyVersion` (a versionless key URI)? The two sets of docs say different
# things. Key Vault's rotation guide says rotation "enables end-to-end zero-touch rotation" for services
# with customer-managed keys, and to "refer to specific Azure service documentation to see if the
# service covers end-to-end rotation" (AZD key-vault/keys/how-to-configure-key-rotation.md). Foundry's
# CMK guide covers no such thing: it says to "update the Foundry resource to reference the latest key
# version" after each rotation ("Customer-managed keys (CMKs) for Microsoft Foundry", 2025-09-29). So
# on Azure, whether a versionless resource follows new versions is not documented; this lab names the
# version, as Foundry's docs do. The sandbox chose that a versionless resource follows the latest
# version: that is the sandbox's choice, not Azure's documented behaviour.
# In the sandbox you can watch the policy act, below.

# %% [markdown]
# ## Six months on (sandbox only)
#
# The sandbox's clock can be moved forward: `lab.advance_clock` moves it, for the sandbox and every
# notebook using it. Key Vault acts on the new time at its next request: the rotation that fell due is
# made then, and dated when it was due. On Azure the clock is the world's: the cells below then move
# nothing, say so, and show the state as it is.

# %% tags=["nbval-ignore-output"]
before = lab.lab_now(cfg)
lab.advance_clock(cfg, "P6M")
show_versions()
for row in lab.key_audit(cfg, since=before):
    if row.operation == "KeyRotateIfDue":
        print(f"{row.time[:19]}  {row.operation}: Key Vault itself made version {row.key.split('/')[-1]}")

# %% [markdown]
# The policy made a version; nothing told the Foundry resource, which still names the version you gave
# it. That version is still valid, for the days the check counts: move the resource before they run out.

# %% tags=["nbval-ignore-output"]
lab.check("07-six-months-on")

# %% tags=["nbval-ignore-output"]
lab.show_chain(cfg)

# %% [markdown]
# ## 210 days on: the version in use expires
#
# Thirty more days put the version in use past its expiry (210 days after it was made). Key Vault's
# documented rule for a key outside its validity dates: it still **unwraps**, decrypts and verifies,
# so data wrapped earlier stays readable, but it no longer **wraps**, encrypts or signs. Here is its
# answer to the Foundry identity, for that version.
#
# What a Foundry resource does with an expired version is not documented. **The sandbox's model** (ours,
# not Azure's): the resource checks its key on every use and stops once the version has expired, and an
# update that names the expired version is refused with `400 KeyVaultKeyExpired`.

# %% tags=["nbval-ignore-output"]
import os

from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm

KEYS = "Microsoft.KeyVault/vaults/keys/"
lab.advance_clock(cfg, "P30D")
account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
in_use = keys.get_key(cfg.key_name, account.properties.encryption.key_vault_properties.key_version)
print(f"now {lab.lab_now(cfg):%Y-%m-%d}; the version in use expires {in_use.properties.expires_on:%Y-%m-%d}")
as_identity = lab.identity_credential(cfg, account.identity.principal_id)
its_keys = KeyClient(vault.properties.vault_uri, as_identity)
data_key = os.urandom(32)
wrapped = CryptographyClient(in_use, credential).wrap_key(KeyWrapAlgorithm.rsa_oaep_256, data_key)  # by you, locally
outcome = lab.show_answers([
    lab.Trial("wrap a new data key", KEYS + "wrap/action", lambda: lab.wrap_remotely(its_keys, in_use.id, data_key)),
    lab.Trial("unwrap a data key", KEYS + "unwrap/action", lambda: CryptographyClient(in_use.id, as_identity)
              .unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped.encrypted_key)),
], as_identity)

# %% tags=["nbval-ignore-output"]
from azure.core.exceptions import HttpResponseError


def use_version(version):
    """The update of 05, naming `version`."""
    change = Account(properties=AccountProperties(encryption=Encryption(
        key_source="Microsoft.KeyVault",
        key_vault_properties=KeyVaultProperties(key_vault_uri=vault.properties.vault_uri, key_name=cfg.key_name,
                                                key_version=version),
    )))
    return lab.wait(cs.accounts.begin_update(cfg.resource_group, cfg.foundry_name, change),
                    "Updating the Foundry resource")


try:
    use_version(in_use.properties.version)
    print(f"version {in_use.properties.version} accepted: it has not expired")
except HttpResponseError as refusal:
    print(f"{refusal.status_code} {refusal.error.code}: {refusal.error.message}")
lab.show_chain(cfg)

# %% [markdown]
# ## Move the resource to the latest version
#
# The version the policy made is valid for 210 days from its creation. Pointing the resource at it mends
# the chain; the expired version stays enabled, so what it wrapped can still be unwrapped.

# %% tags=["nbval-ignore-output"]
account = use_version(keys.get_key(cfg.key_name).properties.version)
print(f"{account.name} now uses version {account.properties.encryption.key_vault_properties.key_version}")
show_versions()
lab.show_chain(cfg)

# %%
lab.check("07-rotated")

# %% [markdown]
# ## Recap
#
# A rotation gave the key a new version; the Foundry resource kept the old one until you updated it, and
# the old version stays enabled. Six months on (in the sandbox), the policy made a version by itself, and
# the resource fell behind until you moved it; once a version expires, Key Vault no longer wraps with it.
# The sandbox's clock stays where it is now, seven months on. Next, **08-revoke-and-restore** shows what
# disabling the key does.
#
# This notebook deleted nothing: the key vault, the key and the Foundry resource are still there. When you
# are done, run **99-cleanup**, which deletes them and explains what stays soft-deleted.
