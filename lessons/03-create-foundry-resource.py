# %% [markdown]
# # 03 · Create the Azure AI Foundry resource
#
# **Exercise task 3.** A Foundry resource is a Cognitive Services account of kind **AIServices**. It is
# created with **Microsoft-managed keys**: its **system-assigned identity**, which will later use your
# key, only exists once the resource does. The custom sub-domain gives it its own endpoint
# (`https://<name>.cognitiveservices.azure.com/`) and is required for Entra ID sign-in and projects.
#
# The lab signs in with **Microsoft Entra ID only**: `disable_local_auth=True` turns off the resource's
# access keys, as the built-in Azure Policy *Azure AI Services resources should have key access
# disabled* requires in governed tenants (and as Azure Verified Modules do by default).
#
# This replaces *AI Foundry → + Create* (Basics with the default project, Network, Identity, Encryption).
#
# ```mermaid
# flowchart LR
#   foundry[Foundry resource<br/>AIServices, S0] --- id((system-assigned<br/>identity))
#   foundry --- project[Default project]
#   foundry -.- mmk[Encryption: Microsoft-managed key<br/>until step 5]
# ```

# %% [markdown]
# ## Start where 02 ends
#
# This notebook builds on the key vault and the key. `lab.ensure_done(cfg, "02")` runs the checks of
# 01-02. If one is red (you opened this notebook first, or changed something since), it replays 01-02
# with the same SDK calls and says so; when the lab is already there, it changes nothing. After
# 99-cleanup it starts over with fresh names (the old vault name stays held while the vault is soft-
# deleted).

# %%
lab.ensure_done(cfg, "02")

# %%
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

credential = DefaultAzureCredential()
cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)

# %% [markdown]
# ## The resource
#
# Created once: after step 5 the resource is encrypted with your key, and a second create could only
# try to change what it is. So the cell keeps an existing resource as it is.

# %%
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
        tags=cfg.tags,
        properties=AccountProperties(
            custom_sub_domain_name=cfg.foundry_name,
            allow_project_management=True,
            disable_local_auth=True,                    # no access keys: Microsoft Entra ID only
            public_network_access="Enabled",            # all networks, as in the exercise
        ),                                              # no encryption: Microsoft-managed keys
    )), "Creating the Foundry resource")
print(f"{account.name}: {account.properties.endpoint}")
print(f"its identity: principal {account.identity.principal_id}")

# %%
lab.check("03-foundry-resource")

# %% [markdown]
# ## The default project
#
# Projects organise work inside a Foundry resource; the first one becomes its default project. Creating
# a project is create-or-update, so running the cell again changes nothing.
#
# The project gets a system-assigned identity of its own, for what runs in the project (agents, tools).
# It needs **no** access to your key: Microsoft's CMK guide for Foundry has the key role given to the
# *Foundry resource's* identity (or a user-assigned one), and projects follow their resource's
# encryption ("Customer-managed keys (CMKs) for Microsoft Foundry", Microsoft Learn, 2025-09-29).

# %%
from azure.mgmt.cognitiveservices.models import Project, ProjectProperties

project = lab.wait(cs.projects.begin_create(cfg.resource_group, cfg.foundry_name, cfg.project_name, Project(
    location=cfg.region,
    identity=Identity(type="SystemAssigned"),
    tags=cfg.tags,
    properties=ProjectProperties(display_name=cfg.project_name, description="CMK lab project"),
)), "Creating the default project")
print(f"{cfg.project_name}: {project.properties.provisioning_state}")

# %%
lab.check("03-project")

# %% [markdown]
# ## The chain of trust so far
#
# Both ends are there now: the vault and key at one end, the resource's identity at the other. Still
# grey: the identity's role on the key (04), then the version in use and the resource itself, which
# encrypts with Microsoft-managed keys until you switch it to yours (05).

# %%
lab.show_chain(cfg)

# %% [markdown]
# ## Recap
#
# The Foundry resource exists, with a system-assigned identity and its default project, encrypted with
# a Microsoft-managed key for now. Next, **04-grant-key-access** lets that identity use your key.
