# %% [markdown]
# # 08 · Revoke and restore the key
#
# **Beyond the exercise.** Holding the key means you decide whether the Foundry resource can read its own
# data. Disable the key (or delete it, or remove the identity's role) and the resource can no longer
# unwrap its data-encryption key; enable it and the resource works again. Here you disable and enable
# the version the resource uses, and watch the resource through the SDK.
#
# What Azure documents, and what the sandbox chose where Azure does not say:
#
# | What you see | Azure | Sandbox |
# |---|---|---|
# | Key Vault refuses to unwrap with a disabled key (`403 Forbidden`, inner code `KeyDisabled`) | observed behaviour | the same |
# | Revoking the key blocks downloads of training data and result files, fine-tuning and deploying fine-tuned models; deployed models keep serving | documented ("Revoke a customer-managed key", Microsoft Learn) | the resource refuses every data call |
# | What `GET /openai/models` answers then | **not documented**: the lab shows what it answers, and expects no refusal | `403 CustomerManagedKeyInaccessible`, with the reason (the sandbox's choice) |
# | A key status on the resource | **none**: `customerManagedKeyStatus` is not in the REST spec | `customerManagedKeyStatus`, the sandbox's own signal |
# | How soon the resource notices | not documented | at its next request |
# | Key Vault's audit log of the identity's calls | with a diagnostic setting (AuditEvent) | always kept |
#
# ```mermaid
# sequenceDiagram
#   participant You
#   participant KV as Key vault
#   participant Foundry as Foundry resource
#   You->>KV: disable the key version
#   You->>Foundry: GET /openai/models
#   Foundry->>KV: as its identity: unwrap its data key
#   KV-->>Foundry: 403 KeyDisabled
#   Foundry-->>You: refused: the key cannot be used
#   You->>KV: enable the key version
#   You->>Foundry: GET /openai/models
#   Foundry-->>You: 200
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

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
auth = AuthorizationManagementClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
keys = KeyClient(vault.properties.vault_uri, credential)
account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)

# %% [markdown]
# ## A data role for you on the resource
#
# To watch the resource you call its own endpoint, signed in with Entra ID. Owner grants management
# actions only, not calls to the endpoint (data actions). **Cognitive Services OpenAI User** on the
# resource is enough: it lets you read and use the resource's models and change nothing. Cognitive
# Services User would work too, but it also lets you list the resource's access keys.

# %%
from azure.core.exceptions import ResourceExistsError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

role = next(auth.role_definitions.list(account.id, filter="roleName eq 'Cognitive Services OpenAI User'"))
try:
    auth.role_assignments.create(
        account.id,
        lab.assignment_name(account.id, cfg.learner_object_id, role.id),   # same name on every run
        RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=cfg.learner_object_id,
                                       principal_type=cfg.learner_principal_type),
    )
except ResourceExistsError:                     # RoleAssignmentExists: you were given it another way
    pass
print(f"{role.role_name}: assigned to you on {account.name}")

# %%
lab.check("08-data-role")

# %% [markdown]
# ## Call the resource's endpoint
#
# `GET /openai/models` is about the smallest call a Foundry resource answers: it lists the models you
# could deploy. azure-core's `PipelineClient` sends it with a token from `DefaultAzureCredential` for
# `https://cognitiveservices.azure.com`. Until your new role is in effect the resource answers
# `401 PermissionDenied`, and the lab retries.

# %%
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.rest import HttpRequest

endpoint = account.properties.endpoint
client = PipelineClient(endpoint, policies=[
    BearerTokenCredentialPolicy(credential, "https://cognitiveservices.azure.com/.default")])


def list_models():
    response = client.send_request(HttpRequest("GET", f"{endpoint}openai/models", params={"api-version": "2024-10-21"}))
    response.raise_for_status()
    return [model["id"] for model in response.json()["data"]]


def call_endpoint():
    """What the endpoint answers, whether it works or not."""
    try:
        return f"200, models: {', '.join(list_models())}"
    except HttpResponseError as refusal:                # any answer, even one with no JSON body
        return lab.describe(refusal)


print("endpoint:", ", ".join(lab.retry_rbac(list_models, what="calling the Foundry endpoint")))

# %% [markdown]
# ## Revoke, watch, restore
#
# One cell disables the key version the resource uses, shows what the resource reports, runs the check,
# draws the chain of trust as it is then, and **always** enables the version again, even if the check is
# red or a call fails (`try`/`finally`): disabling is reversible, and the lab must not leave your
# resource without its key. `revoked_at` remembers when you revoked it, for the audit trail at the end
# (on the lab's clock, which 07 may have moved forward in the sandbox).
#
# The control plane still answers (`provisioningState` stays `Succeeded`): revocation is about the
# resource's data, not its management. What the endpoint answers depends on who answers: the sandbox
# refuses at once; on Azure, see the table above.

# %%
from IPython.display import display


def key_status():
    properties = cs.accounts.get(cfg.resource_group, cfg.foundry_name).properties
    status = properties.additional_properties.get("customerManagedKeyStatus")     # the sandbox's own signal
    return f"{properties.provisioning_state}" + (f"; the sandbox's key status: {status}" if status else "")


in_use = account.properties.encryption.key_vault_properties.key_version
revoked_at = lab.lab_now(cfg)
disabled = keys.update_key_properties(cfg.key_name, in_use, enabled=False)
try:
    print(f"version {disabled.properties.version}: enabled {disabled.properties.enabled}")
    print("resource, before its next request:", key_status())
    print("endpoint:", call_endpoint())
    print("resource, after it:", key_status())
    display(lab.check("08-revoked"))            # inside `try`, a check is shown only when asked to
    lab.show_chain(cfg)                         # the chain while the key is revoked
finally:
    enabled = keys.update_key_properties(cfg.key_name, in_use, enabled=True)
    print(f"version {enabled.properties.version}: enabled {enabled.properties.enabled} again")

# %% [markdown]
# ## Restored
#
# The resource needs nothing else: its next request unwraps its data-encryption key again, and the
# chain holds once more.

# %%
print("endpoint:", call_endpoint())
print("resource:", key_status())
lab.show_chain(cfg)

# %%
lab.check("08-restored")

# %% [markdown]
# ## The audit trail
#
# Key Vault logs every request, with who made it. These are the Foundry identity's calls since you
# disabled the key: the refused unwraps, then the successful ones once the key was back. In Azure,
# `lab.key_audit` explains where these records go, since reading them needs a diagnostic setting.

# %%
for row in lab.key_audit(cfg, since=revoked_at, caller=account.identity.principal_id):
    print(f"{row.time}  {row.operation:<9}  {row.result:<9}  {row.key}  {row.reason}")

# %% [markdown]
# ## The whole trail, as a picture
#
# Every request about the key since it was made, one row per operation: **you** (your sign-in), the
# **Foundry identity** (its calls for the resource), and **Key Vault itself** (a rotation its policy made;
# such records have no caller). A dot is a success, a cross a refusal: your key operations in 02-08, the
# identity's refused calls while the key was disabled, and, if 07 moved the sandbox clock, the policy's
# rotation months later. In Azure these records exist only where a diagnostic setting sends them.

# %% tags=["nbval-ignore-output"]
made = min(v.created_on for v in keys.list_properties_of_key_versions(cfg.key_name))
lab.show_timeline(lab.key_audit(cfg, since=made))

# %% [markdown]
# ## Where the lab stands
#
# `lab.check_all()` works in any notebook: every notebook's checks, in the order you follow them, each
# with its latest result (green or red) or "not run yet".

# %% tags=["nbval-ignore-output"]
lab.check_all()

# %% [markdown]
# ## Recap
#
# While the key version was disabled, the resource could not use it: the sandbox refused every call,
# and on Azure what stops is what Microsoft documents (downloads, fine-tuning, deploying fine-tuned
# models). Enabled again, the key works at once. That switch is yours alone: whoever holds the key decides.
#
# This notebook deleted nothing: the key vault, the key and the Foundry resource are still there. Next,
# **09-user-assigned-identity** gives the resource an identity of its own making, and
# **10-close-the-vault-firewall** closes the vault to the internet. When you are done, run
# **99-cleanup**, which deletes what the lab made and explains what stays soft-deleted.
