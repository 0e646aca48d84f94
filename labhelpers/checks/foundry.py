"""The checks of 03-create-foundry-resource: the Foundry resource with its own identity, and its default project."""
from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from .core import Line, steps_of
from .lookups import NO_ACCOUNT, foundry_account, value

NOTEBOOK = "03-create-foundry-resource"
step = steps_of(NOTEBOOK)


@step("03-foundry-resource", "Foundry resource", "the Foundry resource exists with its own managed identity")
def foundry_ready(s):
    account = foundry_account(s)
    if account is None:
        yield Line(False, "Foundry resource", f"{s.foundry_name} not found in {s.resource_group}",
                   "run the cell above")
        return
    p = account.properties
    yield Line(value(p.provisioning_state) == "Succeeded", "Foundry resource",
               f"{account.name}: {value(p.provisioning_state)}", "wait a minute, then run this cell again")
    yield Line(account.kind == "AIServices", "kind", str(account.kind),
               "a Foundry resource is kind 'AIServices': create it again under another name")
    yield Line(value(account.sku.name) == "S0", "pricing tier", value(account.sku.name), "use sku=Sku(name='S0')")
    identity = account.identity
    has_identity = bool(identity and "SystemAssigned" in value(identity.type) and identity.principal_id)
    yield Line(has_identity, "system-assigned identity",
               f"principal {identity.principal_id}" if has_identity else "none",
               "turn it on: identity=Identity(type='SystemAssigned'), then run the cell again")
    domain = p.custom_sub_domain_name or ""
    yield Line(domain.lower() == s.foundry_name.lower(), "custom sub-domain", domain or "none",
               "set only at creation: create the resource again with custom_sub_domain_name")
    yield Line(bool(p.allow_project_management), "project management", "allowed" if p.allow_project_management
               else "not allowed", "set allow_project_management=True")
    local_off = bool(p.disable_local_auth)
    yield Line(local_off, "local (key) authentication", "disabled: Microsoft Entra ID only" if local_off else
               "enabled: anyone with an access key can call the resource",
               "create it with disable_local_auth=True (governed tenants deny keys by the built-in policy "
               "'Azure AI Services resources should have key access disabled'), or update it: "
               "cs.accounts.begin_update(group, name, Account(properties=AccountProperties(disable_local_auth=True)))")
    same_region = account.location == s.region
    yield Line(same_region, "region", account.location,
               f"CMK needs the vault's region ({s.region}): create the resource there")
    cmk = p.encryption is not None and value(p.encryption.key_source) == "Microsoft.KeyVault"
    yield Line(True, "encryption", "customer-managed key (step 5 is done)" if cmk
               else "Microsoft-managed keys (step 5 switches to your key)")


@step("03-project", "Default project", "the default project exists")
def project_ready(s):
    account = foundry_account(s)
    if account is None:
        yield NO_ACCOUNT
        return
    try:
        project = s.client(CognitiveServicesManagementClient, s.credential, s.subscription_id).projects.get(
            s.resource_group, s.foundry_name, s.project_name)
    except ResourceNotFoundError:
        yield Line(False, "project", f"{s.project_name} not found", "run the create-project cell above")
        return
    yield Line(value(project.properties.provisioning_state) == "Succeeded", "project",
               f"{s.project_name}: {value(project.properties.provisioning_state)}", "run this cell again in a minute")
    default = (account.properties.default_project or "").lower() == s.project_name.lower() \
        or bool(project.properties.is_default)
    yield Line(default, "default project", "yes" if default else "no",
               "set default_project on the Foundry resource (the cell above)")
