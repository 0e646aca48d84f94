"""Writes the lab notebooks (00-08) from the cell texts below, so every notebook shares the same
parameters and setup cells. The committed .ipynb files are what learners open.

    python notebooks/build.py                      # sources only (no outputs)
    python notebooks/build.py --outputs runs/latest  # sources + the outputs of an executed sandbox run
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from labhelpers.labstate import PARAMETERS  # noqa: E402

KERNEL = {"name": "python3", "display_name": "Python 3 (cmklab)", "language": "python"}

PARAMETERS_CELL = "# Parameters: papermill overrides them; None means \"as chosen in 00-setup\".\n" + "\n".join(
    f"{name} = None" for name in PARAMETERS)

SETUP_CELL = """from labhelpers import lab

cfg = lab.setup(mode=mode, subscription_id=subscription_id, region=region, resource_group=resource_group,
                key_vault_name=key_vault_name, key_name=key_name, foundry_name=foundry_name,
                project_name=project_name)"""

SETUP_NOTE = """`lab.setup` connects this kernel (to the sandbox or to Azure, as chosen in 00-setup) and loads your
choices into `cfg`. The badge says which of the two you are working in."""


def md(text: str) -> tuple:
    return ("markdown", text.strip(), [])


def code(text: str, *tags: str) -> tuple:
    return ("code", text.strip(), list(tags))


def opening(title: str, intro: str) -> list[tuple]:
    return [md(f"# {title}\n\n{intro.strip()}"), code(PARAMETERS_CELL, "parameters"), md(SETUP_NOTE),
            code(SETUP_CELL)]


NOTEBOOKS: dict[str, list[tuple]] = {}

NOTEBOOKS["00-setup"] = [
    *opening("00 · Set up the lab", """
You will protect an **Azure AI Foundry resource** with a **customer-managed key** (CMK) that you hold in
**Azure Key Vault**. The Foundry resource reaches the key with its own **system-assigned managed
identity**, which gets only the rights it needs: get, wrap and unwrap that one key.

| Notebook | Replaces this portal task of the exercise |
|---|---|
| 01-create-key-vault | Task 1: create a vault with soft delete (7 days), purge protection and Azure RBAC |
| 02-generate-key | Task 2: make yourself Key Vault Administrator, generate an RSA 2048 key with a rotation policy |
| 03-create-foundry-resource | Task 3: create the Foundry resource (Microsoft-managed key at first) and its project |
| 04-grant-key-access | Task 4: let the resource's identity use the key (Key Vault Crypto Service Encryption User) |
| 05-configure-cmk | Task 5: switch the resource's encryption to your key |
| 06-cleanup | Task 6: delete everything, then see what stays soft-deleted and why |

Beyond the exercise, two notebooks show what holding the key means. Each one starts by bringing the
lab to where 05 ends, so you can open either after 05 (or on its own), then clean up with 06.

| Notebook | What it shows |
|---|---|
| 07-rotate-the-key | a rotation adds a key version; the resource keeps the old one until you update it |
| 08-revoke-and-restore | disable the key and the resource stops working; enable it and it works again |

```mermaid
flowchart LR
  you([You]) -->|Key Vault Administrator| kv[(Key vault<br/>purge protection)]
  kv --- key[[RSA 2048 key<br/>rotation policy]]
  foundry[Foundry resource<br/>kind AIServices] -->|system-assigned identity:<br/>get, wrap, unwrap| key
  foundry --- project[Default project]
```

**Two modes, same cells.** In `sandbox` mode (the default) the lab starts an embedded Azure emulator:
no account, no cost, nothing leaves this machine. In `azure` mode the same cells work on your real
subscription, signed in through `DefaultAzureCredential` (for instance after `az login`). Only the
connection differs; every SDK call below is the one you would run against Azure.

This notebook chooses the mode, subscription, region and names. The other notebooks read them back,
even after a kernel restart.
"""),
    md("""
## Choose a subscription, a region and names

The form lists your subscriptions with your role in each (the lab needs **Owner**), the regions that
offer **both** Key Vault and Foundry resources, and checks names as you type. A key vault name is
global: it must be free in all of Azure, including vaults that were deleted but not purged. Each
change is saved at once. Running headless, the form is replaced by the choices papermill passed.
"""),
    code("lab.setup_form(cfg)", "nbval-ignore-output"),
    md("""
## What the form asks Azure

These are the SDK calls behind the form: the providers API says where each resource type is
offered, and each provider checks names in all of Azure.
"""),
    code("""
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

credential = DefaultAzureCredential()
resources = ResourceManagementClient(credential, cfg.subscription_id)
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)


def offered(namespace, resource_type):
    provider = resources.providers.get(namespace)
    return next(set(t.locations) for t in provider.resource_types if t.resource_type == resource_type)


both = offered("Microsoft.KeyVault", "vaults") & offered("Microsoft.CognitiveServices", "accounts")
print(f"{len(both)} regions offer both key vaults and Foundry resources")

answer = kv.vaults.check_name_availability({"name": cfg.key_vault_name, "type": "Microsoft.KeyVault/vaults"})
print(f"vault name {cfg.key_vault_name}: available={answer.name_available}", answer.reason or "")

answer = cs.check_domain_availability(subdomain_name=cfg.foundry_name, type="Microsoft.CognitiveServices/accounts",
                                      kind="AIServices")
print(f"sub-domain {cfg.foundry_name}: available={answer.is_subdomain_available}", answer.reason or "")
"""),
    md("A name that is *not* available is fine when it is already yours (a re-run): the check below tells."),
    code('lab.check("00-setup")'),
    md("""
## Recap

You are connected, and your choices are saved under `$CMKLAB_HOME` (default `~/.cmklab`). Continue
with **01-create-key-vault**. Each notebook ends its steps with a check cell: green means the real
state in Azure is right; a red line says what is wrong and what to do.
"""),
]

NOTEBOOKS["01-create-key-vault"] = [
    *opening("01 · Create the key vault", """
**Exercise task 1.** The key that will protect the Foundry resource lives in a key vault. For a
customer-managed key, Azure requires the vault to keep deleted keys recoverable:

- **soft delete** (always on for new vaults): a deleted vault or key is kept for a retention period;
  we choose **7 days**, the minimum, so the lab is cheap to repeat (use more in production);
- **purge protection**: during that period nobody, not even an Owner, can purge it. Once on, it can
  never be turned off;
- **Azure RBAC** as the permission model, so access to keys is granted with role assignments.

This replaces the portal's *Key vaults → + Create* wizard (Basics, Access configuration, Networking).

```mermaid
flowchart LR
  rg[Resource group] --> kv[(Key vault<br/>Standard tier)]
  kv -.- sd[Soft delete: 7 days]
  kv -.- pp[Purge protection: on, for good]
  kv -.- rbac[Permission model: Azure RBAC]
```
"""),
    code("""
from azure.identity import DefaultAzureCredential
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

credential = DefaultAzureCredential()
resources = ResourceManagementClient(credential, cfg.subscription_id)
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
"""),
    md("## The resource group\n\n`create_or_update` makes the group or leaves an existing one as it is."),
    code("""
group = resources.resource_groups.create_or_update(cfg.resource_group, {"location": cfg.region})
print(f"{group.name} in {group.location}: {group.properties.provisioning_state}")
"""),
    code('lab.check("01-resource-group")'),
    md("""
## The vault

Every setting of the portal's form is one property below. Running the cell again sends the same
definition, so it changes nothing (the retention period is fixed at creation anyway).
"""),
    code("""
from azure.mgmt.keyvault.models import Sku, VaultCreateOrUpdateParameters, VaultProperties

definition = VaultCreateOrUpdateParameters(
    location=cfg.region,
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
"""),
    code('lab.check("01-key-vault")'),
    md("""
## Recap

The vault exists with soft delete, purge protection and Azure RBAC. Being its creator does not let
you use its keys: with Azure RBAC, key operations need a **data** role, which **02-generate-key**
grants you first. Note that the vault's name is now taken for everyone, and stays taken for 7 days
after you delete it.
"""),
]

NOTEBOOKS["02-generate-key"] = [
    *opening("02 · Generate the encryption key", """
**Exercise task 2.** Even as Owner of the subscription you cannot create a key yet: Owner grants
management *actions*, while key operations are *data actions* that only Key Vault roles grant. So you
first give yourself **Key Vault Administrator** on the vault, then generate an **RSA 2048** key (the
only kind a Foundry resource accepts) with a **rotation policy**.

New role assignments take a while to reach Key Vault (Azure documents up to 10 minutes). Until then
Key Vault answers `403 ForbiddenByRbac`; the lab retries with a countdown instead of failing.

```mermaid
sequenceDiagram
  participant You
  participant ARM as Azure Resource Manager
  participant KV as Key vault (data plane)
  You->>ARM: role assignment: Key Vault Administrator on the vault
  You->>KV: create key
  KV-->>You: 403 ForbiddenByRbac (assignment not propagated yet)
  You->>KV: retry after a pause
  KV-->>You: key created
```
"""),
    code("""
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
auth = AuthorizationManagementClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
keys = KeyClient(vault.properties.vault_uri, credential)
"""),
    md("""
## Make yourself Key Vault Administrator on the vault

A role assignment links a principal (you), a role definition and a scope (the vault). Its name is a
GUID; deriving it from those three makes re-running this cell update the same assignment instead of
adding another.
"""),
    code("""
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
"""),
    code('lab.check("02-administrator")'),
    md("""
## Generate the key

A second `create_rsa_key` would add a new *version* (that is what rotation does), so the cell keeps
an existing key. `lab.retry_rbac` repeats the call while the role assignment propagates.
"""),
    code("""
from azure.core.exceptions import ResourceNotFoundError


def create_key_once():
    try:
        return keys.get_key(cfg.key_name)
    except ResourceNotFoundError:
        return keys.create_rsa_key(cfg.key_name, size=2048, enabled=True)


key = lab.retry_rbac(create_key_once, what="creating the key")
print(f"{key.name}: RSA {len(key.key.n) * 8} bits, version {key.properties.version}")
"""),
    code('lab.check("02-key")'),
    md("""
## The rotation policy

*Rotation time* says when Key Vault makes a new version (6 months after the current one was created);
*expiry time* says how long each new version stays valid (210 days). Rotating well before expiry keeps
a valid version at all times. Key Vault adds a *Notify* action 30 days before expiry by itself.
"""),
    code("""
from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction

policy = keys.update_key_rotation_policy(cfg.key_name, KeyRotationPolicy(
    expires_in="P210D",
    lifetime_actions=[KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P6M")],
))
print(f"new versions expire {policy.expires_in} after creation")
for action in policy.lifetime_actions:
    print(f"- {action.action.value}: {action.time_after_create or ''}{action.time_before_expiry or ''}",
          "after creation" if action.time_after_create else "before expiry")
"""),
    code('lab.check("02-rotation-policy")'),
    md("""
## Recap

You hold Key Vault Administrator on the vault, and the key `aifoundry-encryption-key` (RSA 2048)
rotates every 6 months. A rotation creates a new version but does not re-encrypt anything: the
resource that uses the key must be pointed at the new version (05 shows where). Next:
**03-create-foundry-resource**.
"""),
]

NOTEBOOKS["03-create-foundry-resource"] = [
    *opening("03 · Create the Azure AI Foundry resource", """
**Exercise task 3.** A Foundry resource is a Cognitive Services account of kind **AIServices**. It is
created with **Microsoft-managed keys**: its **system-assigned identity**, which will later use your
key, only exists once the resource does. The custom sub-domain gives it its own endpoint
(`https://<name>.cognitiveservices.azure.com/`) and is required for Entra ID sign-in and projects.

This replaces *AI Foundry → + Create* (Basics with the default project, Network, Identity, Encryption).

```mermaid
flowchart LR
  foundry[Foundry resource<br/>AIServices, S0] --- id((system-assigned<br/>identity))
  foundry --- project[Default project]
  foundry -.- mmk[Encryption: Microsoft-managed key<br/>until step 5]
```
"""),
    code("""
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

credential = DefaultAzureCredential()
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
"""),
    md("""
## The resource

Created once: after step 5 the resource is encrypted with your key, and a second create could only
try to change what it is. So the cell keeps an existing resource as it is.
"""),
    code("""
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Identity, Sku

try:
    account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
except ResourceNotFoundError:
    account = lab.wait(cs.accounts.begin_create(cfg.resource_group, cfg.foundry_name, Account(
        location=cfg.region,                            # the vault's region: CMK needs both in one region
        kind="AIServices",
        sku=Sku(name="S0"),
        identity=Identity(type="SystemAssigned"),
        properties=AccountProperties(
            custom_sub_domain_name=cfg.foundry_name,
            allow_project_management=True,
            public_network_access="Enabled",            # all networks, as in the exercise
        ),                                              # no encryption: Microsoft-managed keys
    )), "Creating the Foundry resource")
print(f"{account.name}: {account.properties.endpoint}")
print(f"its identity: principal {account.identity.principal_id}")
"""),
    code('lab.check("03-foundry-resource")'),
    md("""
## The default project

Projects organise work inside a Foundry resource; the first one becomes its default project. Creating
a project is create-or-update, so running the cell again changes nothing.
"""),
    code("""
from azure.mgmt.cognitiveservices.models import Project, ProjectProperties

project = lab.wait(cs.projects.begin_create(cfg.resource_group, cfg.foundry_name, cfg.project_name, Project(
    location=cfg.region,
    identity=Identity(type="SystemAssigned"),
    properties=ProjectProperties(display_name=cfg.project_name, description="CMK lab project"),
)), "Creating the default project")
print(f"{cfg.project_name}: {project.properties.provisioning_state}")
"""),
    code('lab.check("03-project")'),
    md("""
## Recap

The Foundry resource exists, with a system-assigned identity and its default project, encrypted with
a Microsoft-managed key for now. Next, **04-grant-key-access** lets that identity use your key.
"""),
]

NOTEBOOKS["04-grant-key-access"] = [
    *opening("04 · Grant the Foundry identity access to the key", """
**Exercise task 4.** To encrypt with your key, the Foundry resource's identity must **get** the key,
**wrap** (encrypt) its own data-encryption key with it and **unwrap** it again. The built-in role
**Key Vault Crypto Service Encryption User** grants exactly these three data actions. Assigning it on
the **key** rather than the vault is least privilege: the identity can use this one key and nothing
else in the vault.

A managed identity's service principal may take a moment to replicate in Entra ID; setting
`principal_type="ServicePrincipal"` lets Azure accept the assignment anyway (no `PrincipalNotFound`).

```mermaid
flowchart LR
  id((Foundry identity)) -->|Key Vault Crypto Service<br/>Encryption User| key[[the key only]]
  key --- kv[(Key vault)]
```
"""),
    code("""
from azure.identity import DefaultAzureCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
auth = AuthorizationManagementClient(credential, cfg.subscription_id)
"""),
    md("## What the role allows"),
    code("""
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
key_scope = f"{vault.id}/keys/{cfg.key_name}"           # the key itself, the narrowest scope
role = next(auth.role_definitions.list(key_scope, filter="roleName eq 'Key Vault Crypto Service Encryption User'"))
for data_action in role.permissions[0].data_actions:
    print(data_action)
"""),
    md("## Assign it to the Foundry identity on the key"),
    code("""
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

identity = cs.accounts.get(cfg.resource_group, cfg.foundry_name).identity.principal_id
lab.retry_rbac(
    auth.role_assignments.create,
    key_scope,
    lab.assignment_name(key_scope, identity, role.id),   # same name on every run: no duplicates
    RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=identity,
                                   principal_type="ServicePrincipal"),
    what="granting the key to the Foundry identity",
)
print(f"{role.role_name}: assigned to the identity of {cfg.foundry_name} on the key {cfg.key_name}")
"""),
    code('lab.check("04-key-access")'),
    md("""
## Recap

The Foundry identity may get, wrap and unwrap this one key, and nothing more. Next,
**05-configure-cmk** tells the Foundry resource to use it.
"""),
]

NOTEBOOKS["05-configure-cmk"] = [
    *opening("05 · Encrypt the Foundry resource with your key", """
**Exercise task 5.** Setting the resource's `encryption` to your key makes Azure check the key on the
spot, **as the resource's identity**: it must reach the vault, which must have purge protection and
be in the same region and tenant, and the key must be an enabled RSA 2048 key. If the role from step
4 has not propagated yet, the update is refused and the lab retries.

Before you switch, know that:
- a Foundry resource **cannot go back** to Microsoft-managed keys; it can only move to another key
  in the **same vault**;
- the update names a **key version**. Rotation adds versions but re-encrypts nothing: after a
  rotation, run the update cell again to move the resource to the new version;
- revoking the identity's role, or disabling or deleting the key, makes the resource's data
  unreadable.

This replaces the resource's *Encryption* page (Customer Managed Keys → Select a key → Save).

```mermaid
sequenceDiagram
  participant You
  participant Foundry as Foundry resource provider
  participant KV as Key vault
  You->>Foundry: PATCH encryption = your key (vault URI, name, version)
  Foundry->>KV: as its identity: get key, wrap its data key
  KV-->>Foundry: OK (the role of step 4)
  Foundry-->>You: encryption: Microsoft.KeyVault
```
"""),
    code("""
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
"""),
    md("## Switch the encryption to your key"),
    code("""
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Encryption, KeyVaultProperties

change = Account(properties=AccountProperties(encryption=Encryption(
    key_source="Microsoft.KeyVault",
    key_vault_properties=KeyVaultProperties(
        key_vault_uri=vault.properties.vault_uri,
        key_name=key.name,
        key_version=key.properties.version,
    ),
)))
poller = lab.retry_rbac(cs.accounts.begin_update, cfg.resource_group, cfg.foundry_name, change,
                        what="switching to your key")
account = lab.wait(poller, "Updating the Foundry resource")
used = account.properties.encryption
print(f"{account.name}: {used.key_source}, key {used.key_vault_properties.key_name} "
      f"version {used.key_vault_properties.key_version}")
"""),
    code('lab.check("05-cmk")'),
    md("""
## Recap

The Foundry resource's data is now protected by your key: you control its rotation, and removing the
identity's access would lock the data. Key Vault's audit log (AuditEvent) records each use of the key
by the identity. Beyond the exercise, **07-rotate-the-key** and **08-revoke-and-restore** show both;
the last step is **06-cleanup**.
"""),
]

NOTEBOOKS["06-cleanup"] = [
    *opening("06 · Clean up", """
**Exercise task 6.** Deleting the resource group deletes the vault and the Foundry resource, but not
for good: both are **soft-deleted** and keep their names.

| Resource | After deletion | Can you purge it now? |
|---|---|---|
| Foundry resource | kept 48 hours (its name and quota stay taken) | yes: purge it, below |
| Key vault | kept for its retention period (7 days here) | **no**: purge protection forbids it; Azure purges it when the period ends |

The vault's role assignments go with it, and a recovered vault would not get them back.

```mermaid
stateDiagram-v2
  direction LR
  Active --> SoftDeleted: delete the resource group
  SoftDeleted --> Active: recover
  SoftDeleted --> Purged: purge (not while purge protection holds)
  SoftDeleted --> Purged: retention period ends
```
"""),
    code("""
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

credential = DefaultAzureCredential()
resources = ResourceManagementClient(credential, cfg.subscription_id)
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
"""),
    md("## Delete the resource group"),
    code("""
if resources.resource_groups.check_existence(cfg.resource_group):
    lab.wait(resources.resource_groups.begin_delete(cfg.resource_group), "Deleting the resource group")
print(f"{cfg.resource_group} exists: {resources.resource_groups.check_existence(cfg.resource_group)}")
"""),
    code('lab.check("06-deleted")'),
    md("## What stays soft-deleted"),
    code("""
for deleted in kv.vaults.list_deleted():
    if deleted.name == cfg.key_vault_name:
        p = deleted.properties
        print(f"key vault {deleted.name}: deleted {p.deletion_date:%Y-%m-%d}, purge protection "
              f"{p.purge_protection_enabled}, kept until {p.scheduled_purge_date:%Y-%m-%d}")
for deleted in cs.deleted_accounts.list():
    if deleted.name == cfg.foundry_name:
        print(f"Foundry resource {deleted.name}: deleted {deleted.properties.deletion_date[:10]}, "
              f"kept until {deleted.properties.scheduled_purge_date[:10]}")
"""),
    md("""
## Purge what may be purged

Purging the Foundry resource frees its name and quota at once (it needs the
`deletedAccounts/delete` permission on the subscription, which Owner has). Purging the vault is
refused: read Azure's answer.
"""),
    code("""
from azure.core.exceptions import HttpResponseError

if any(deleted.name == cfg.foundry_name for deleted in cs.deleted_accounts.list()):
    lab.wait(cs.deleted_accounts.begin_purge(cfg.region, cfg.resource_group, cfg.foundry_name),
             "Purging the Foundry resource")
try:
    lab.wait(kv.vaults.begin_purge_deleted(cfg.key_vault_name, cfg.region), "Purging the key vault")
except HttpResponseError as refusal:
    print(f"Key vault not purged: {refusal.error.code}: {refusal.error.message}")
"""),
    code('lab.check("06-purged")'),
    md("""
## Recap

Nothing is left running. The vault stays soft-deleted, protected, until its retention period ends,
and its name stays taken until then: the next run of **00-setup** proposes a new vault name. In a real
subscription nothing here is billed any more (a soft-deleted Foundry resource is billed until purged,
which is why it was purged).
"""),
]

ENSURE = [
    md("""
## Start where 05 ends

`lab.ensure_cmk` runs the checks of 01-05. If one is red (you skipped a notebook, or changed
something since), it replays those steps with the same SDK calls, then says where the lab stands. When
the lab is already there, it changes nothing.
"""),
    code("lab.ensure_cmk(cfg)"),
]


def closing(recap: str) -> list[tuple]:
    return [md(f"""
## Recap

{recap.strip()}

This notebook deleted nothing: the key vault, the key and the Foundry resource are still there. When you
are done, run **06-cleanup**, which deletes them and explains what stays soft-deleted.
""")]


NOTEBOOKS["07-rotate-the-key"] = [
    *opening("07 · Rotate the key", """
**Beyond the exercise.** The exercise says that rotation can be manual or policy-based, that the
Foundry resource must then be updated to reference the new key version, and that rotation does not
re-encrypt existing data. This notebook shows each of these through the SDK.

Rotating a key makes a new **version** of it: new key material under the same name. Older versions stay
as they were, enabled and usable. The Foundry resource names one version (`keyVersion`, set in 05), so
it keeps using that one until you point it at the new one.

```mermaid
flowchart LR
  subgraph key[aifoundry-encryption-key]
    v1[[version 1]]
    v2[[version 2<br/>made by rotation]]
  end
  foundry[Foundry resource] -->|keyVersion| v1
  foundry -.->|after the update| v2
```
"""),
    *ENSURE,
    code("""
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
kv = KeyVaultManagementClient(credential, cfg.subscription_id)
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
keys = KeyClient(vault.properties.vault_uri, credential)
"""),
    md("""
## The key's versions

Each version has its own identifier (32 hexadecimal characters), creation date and expiry. The arrow
marks the version the Foundry resource names.
"""),
    code("""
def show_versions():
    in_use = cs.accounts.get(cfg.resource_group, cfg.foundry_name).properties.encryption.key_vault_properties
    for version in sorted(keys.list_properties_of_key_versions(cfg.key_name), key=lambda v: v.created_on):
        expiry = f"expires {version.expires_on:%Y-%m-%d}" if version.expires_on else "no expiry"
        marker = "  <- the Foundry resource uses this one" if version.version == in_use.key_version else ""
        print(f"{version.version}  created {version.created_on:%Y-%m-%d}  {expiry}  enabled: {version.enabled}{marker}")


show_versions()
"""),
    md("""
## Rotate now

`rotate_key` makes the new version at once, with the settings of the rotation policy from 02: it
expires 210 days after its creation. (The policy's expiry applies only to versions made after the
policy was set, which is why the first version has none.) Rotating needs the `rotate` permission,
which your Key Vault Administrator role includes.

Each run of this cell adds one version: that is what a rotation is.
"""),
    code("""
rotated = keys.rotate_key(cfg.key_name)
print(f"new version {rotated.properties.version}")
show_versions()
"""),
    md("""
## The resource still names the old version

Nothing told the Foundry resource about the rotation: it still names the version it was given, and
its data-encryption key is still wrapped with that version. Rotation re-encrypts nothing.
"""),
    code("""
in_use = cs.accounts.get(cfg.resource_group, cfg.foundry_name).properties.encryption.key_vault_properties
latest = keys.get_key(cfg.key_name).properties.version
print(f"the Foundry resource uses version {in_use.key_version}")
print(f"the key's latest version is       {latest}")
print("the same version" if in_use.key_version == latest else "not the same: the resource must be updated")
"""),
    md("""
## Point the resource at the new version

This is the update of 05, with the latest version. Azure then re-wraps the resource's data-encryption
key with the new version (Azure says this takes a few minutes); the data itself is not re-encrypted.
Keep the older versions enabled: anything still wrapped with them can only be unwrapped with them.
"""),
    code("""
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
"""),
    code('lab.check("07-rotated")'),
    md("""
## What the rotation policy does on schedule

The policy you set in 02 does what `rotate_key` just did, by itself: **6 months** after the latest
version was created, Key Vault makes a new one (its audit log records this as `KeyRotateIfDue`), and
every version it makes expires **210 days** after its creation. Key Vault also raises a *near expiry*
notification 30 days before a version expires.
"""),
    code("""
policy = keys.get_key_rotation_policy(cfg.key_name)
print(f"new versions expire {policy.expires_in} after creation")
for action in policy.lifetime_actions:
    print(f"- {action.action.value}: {action.time_after_create or ''}{action.time_before_expiry or ''}",
          "after creation" if action.time_after_create else "before expiry")
"""),
    md("""
Rotating every 6 months with versions that live 210 days leaves about four weeks to move the resource
to the new version before the one it uses expires. The policy never updates the resource: that is
still your update above, by hand or automated (for instance on Key Vault's `KeyNewVersionCreated`
Event Grid event).

What if the update named no `keyVersion`? Azure's documentation for Foundry resources does not say
that the resource would then follow new versions; it says to update the resource after a rotation. The
sandbox chose that such a resource follows the latest version; this lab names the version, as the docs
do. (In the sandbox you can watch the policy act: `python -m labhelpers.sandbox advance --state
$CMKLAB_HOME/sandbox P6M` moves its clock six months on.)
"""),
    *closing("""
A rotation gave the key a new version; the Foundry resource kept the old one until you updated it, and
the old version stays enabled. Next, **08-revoke-and-restore** shows what disabling the key does.
"""),
]

NOTEBOOKS["08-revoke-and-restore"] = [
    *opening("08 · Revoke and restore the key", """
**Beyond the exercise.** Holding the key means you decide whether the Foundry resource can read its own
data. Disable the key (or delete it, or remove the identity's role) and the resource can no longer
unwrap its data-encryption key; enable it and the resource works again. Here you disable and enable
the version the resource uses, and watch the resource through the SDK.

What Azure documents, and what the sandbox chose where Azure does not say:

| What you see | Azure | Sandbox |
|---|---|---|
| Key Vault refuses to unwrap with a disabled key (`403 Forbidden`, inner code `KeyDisabled`) | observed behaviour | the same |
| Revoking the key blocks access to the resource's data | documented | the same |
| What the resource's endpoint answers then | **not documented** | `403 CustomerManagedKeyInaccessible`, with the reason |
| The key status on the resource (`customerManagedKeyStatus`) | not documented for Foundry | the outcome of the resource's last use of its key |
| How soon the resource notices | not documented | at its next request |
| Key Vault's audit log of the identity's calls | with a diagnostic setting (AuditEvent) | always kept |

```mermaid
sequenceDiagram
  participant You
  participant KV as Key vault
  participant Foundry as Foundry resource
  You->>KV: disable the key version
  You->>Foundry: GET /openai/models
  Foundry->>KV: as its identity: unwrap its data key
  KV-->>Foundry: 403 KeyDisabled
  Foundry-->>You: refused: the key cannot be used
  You->>KV: enable the key version
  You->>Foundry: GET /openai/models
  Foundry-->>You: 200
```
"""),
    *ENSURE,
    code("""
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
"""),
    md("""
## A data role for you on the resource

To watch the resource you call its own endpoint, signed in with Entra ID. Owner grants management
actions only, not calls to the endpoint (data actions). **Cognitive Services OpenAI User** on the
resource is enough: it lets you read and use the resource's models and change nothing. Cognitive
Services User would work too, but it also lets you list the resource's access keys.
"""),
    code("""
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
"""),
    code('lab.check("08-data-role")'),
    md("""
## Call the resource's endpoint

`GET /openai/models` is about the smallest call a Foundry resource answers: it lists the models you
could deploy. azure-core's `PipelineClient` sends it with a token from `DefaultAzureCredential` for
`https://cognitiveservices.azure.com`. Until your new role is in effect the resource answers
`401 PermissionDenied`, and the lab retries.
"""),
    code("""
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
    \"\"\"What the endpoint answers, whether it works or not.\"\"\"
    try:
        return f"200, models: {', '.join(list_models())}"
    except HttpResponseError as refusal:
        return f"{refusal.status_code} {refusal.error.code}: {refusal.error.message}"


print("endpoint:", ", ".join(lab.retry_rbac(list_models, what="calling the Foundry endpoint")))
"""),
    md("""
## Revoke: disable the key version the resource uses

Disabling is reversible, unlike deleting and purging a key. `revoked_at` remembers when you did it, for
the audit trail at the end.
"""),
    code("""
from datetime import datetime, timezone

in_use = account.properties.encryption.key_vault_properties.key_version
revoked_at = datetime.now(timezone.utc)
disabled = keys.update_key_properties(cfg.key_name, in_use, enabled=False)
print(f"version {disabled.properties.version}: enabled {disabled.properties.enabled}")
"""),
    md("""
## What the resource reports

The control plane still answers (`provisioningState` stays `Succeeded`): revocation stops the
resource's data, not its management. The endpoint needs the key on every request, so it refuses.
"""),
    code("""
def key_status():
    properties = cs.accounts.get(cfg.resource_group, cfg.foundry_name).properties
    status = properties.additional_properties.get("customerManagedKeyStatus", "not reported")
    return f"{properties.provisioning_state}; key status: {status}"


print("resource, before its next request:", key_status())
print("endpoint:", call_endpoint())
print("resource, after it:", key_status())
"""),
    code('lab.check("08-revoked")'),
    md("""
## Restore: enable the key version again

The resource needs nothing else: its next request unwraps its data-encryption key again.
"""),
    code("""
enabled = keys.update_key_properties(cfg.key_name, in_use, enabled=True)
print(f"version {enabled.properties.version}: enabled {enabled.properties.enabled}")
print("endpoint:", call_endpoint())
print("resource:", key_status())
"""),
    code('lab.check("08-restored")'),
    md("""
## The audit trail

Key Vault logs every request, with who made it. These are the Foundry identity's calls since you
disabled the key: the refused unwraps, then the successful ones once the key was back. In Azure,
`lab.key_audit` explains where these records go, since reading them needs a diagnostic setting.
"""),
    code("""
for row in lab.key_audit(cfg, since=revoked_at, caller=account.identity.principal_id):
    print(f"{row.time}  {row.operation:<9}  {row.result:<9}  {row.key}  {row.reason}")
"""),
    *closing("""
While the key version was disabled, the Foundry resource could not use its key and said so; enabled
again, it worked at once. That switch is yours alone: whoever holds the key decides.
"""),
]


def build(name: str, cells: list[tuple]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source, tags) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.id = f"{name[:2]}-{i:02d}"
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def with_outputs(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy outputs cell by cell from an executed copy (papermill's injected cell left out)."""
    ran = [c for c in executed.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    if [c.source for c in ran] != [c.source for c in nb.cells]:
        raise SystemExit(f"{executed.metadata.get('papermill', {}).get('input_path')}: sources differ; "
                         "run the notebooks again after building")
    for cell, done in zip(nb.cells, ran):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = done.outputs, done.execution_count
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=Path, help="a run folder holding the executed notebooks")
    args = parser.parse_args()
    for name, cells in NOTEBOOKS.items():
        nb = build(name, cells)
        if args.outputs:
            nb = with_outputs(nb, nbformat.read(args.outputs / f"{name}.ipynb", as_version=4))
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main()
