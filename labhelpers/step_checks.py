"""The check of each lab step: what must be true in Azure after it, read through the SDK, and what to do
when it is not. Every line is one fact; a red line carries its fix."""
from __future__ import annotations

from datetime import datetime, timezone

from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.keys import KeyClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from . import choices, naming
from .checks import Line, step
from .roles import roles_held

KV_ADMINISTRATOR = "Key Vault Administrator"
ENCRYPTION_USER = "Key Vault Crypto Service Encryption User"


def _value(enum_or_str) -> str:
    return str(getattr(enum_or_str, "value", enum_or_str) or "")


def _vault(s):
    try:
        return KeyVaultManagementClient(s.credential, s.subscription_id).vaults.get(s.resource_group,
                                                                                   s.key_vault_name)
    except ResourceNotFoundError:
        return None


def foundry_account(s):
    try:
        return CognitiveServicesManagementClient(s.credential, s.subscription_id).accounts.get(
            s.resource_group, s.foundry_name)
    except ResourceNotFoundError:
        return None


def scope_label(scope: str, s) -> str:
    rg = f"/subscriptions/{s.subscription_id}/resourcegroups/{s.resource_group}".lower()
    labels = {f"/subscriptions/{s.subscription_id}".lower(): "the subscription", rg: "the resource group",
              f"{rg}/providers/microsoft.keyvault/vaults/{s.key_vault_name}".lower(): "the vault",
              f"{rg}/providers/microsoft.keyvault/vaults/{s.key_vault_name}/keys/{s.key_name}".lower(): "the key",
              f"{rg}/providers/microsoft.cognitiveservices/accounts/{s.foundry_name}".lower(): "the Foundry resource"}
    return labels.get(scope.lower().rstrip("/"), scope)


NO_VAULT = Line(False, "key vault", "not found", "run 01-create-key-vault first")
NO_ACCOUNT = Line(False, "Foundry resource", "not found", "run 03-create-foundry-resource first")


@step("00-setup", "Setup", "you are signed in, and the subscription, region and names suit the lab")
def setup_ready(s):
    yield Line(True, "signed in", f"tenant {s.tenant_id}")
    roles = choices.learner_roles(s.credential, s.subscription_id, s.learner_object_id)
    owner = "Owner" in roles
    yield Line(owner, "your role", f"{', '.join(roles) or 'no role'} on '{s.subscription_name}'",
               "choose a subscription where you are Owner (subscription_id), or ask for Owner")
    offered = {r.name for r in choices.offered_regions(s.credential, s.subscription_id)}
    ok = s.region in offered
    yield Line(ok, "region", f"{s.region} {'offers' if ok else 'does not offer'} both Key Vault and Foundry",
               f"choose one of: {', '.join(sorted(offered))}")
    for what, name, problems in (("resource group name", s.resource_group, naming.resource_group_problems),
                                 ("key name", s.key_name, naming.key_name_problems),
                                 ("project name", s.project_name, naming.project_name_problems)):
        wrong = problems(name)
        yield Line(not wrong, what, name if not wrong else f"{name}: {'; '.join(wrong)}",
                   "choose a valid name")
    vault = choices.check_vault_name(s.credential, s.subscription_id, s.resource_group, s.key_vault_name)
    yield Line(vault.ok, "key vault name", f"{s.key_vault_name}: {vault.message}",
               "choose another vault name (key_vault_name)")
    foundry = choices.check_foundry_name(s.credential, s.subscription_id, s.resource_group, s.foundry_name)
    yield Line(foundry.ok, "Foundry name", f"{s.foundry_name}: {foundry.message}",
               "choose another Foundry resource name (foundry_name)")


@step("01-resource-group", "Resource group", "the resource group exists")
def resource_group_ready(s):
    try:
        group = ResourceManagementClient(s.credential, s.subscription_id).resource_groups.get(s.resource_group)
    except ResourceNotFoundError:
        yield Line(False, "resource group", f"{s.resource_group} not found", "run the cell above")
        return
    yield Line(True, "resource group", f"{group.name} in {group.location}")


@step("01-key-vault", "Key vault", "the vault is ready to hold a customer-managed key")
def vault_ready(s):
    vault = _vault(s)
    if vault is None:
        yield Line(False, "key vault", f"{s.key_vault_name} not found in {s.resource_group}", "run the cell above")
        return
    p = vault.properties
    yield Line(True, "key vault", f"{vault.name} at {p.vault_uri}")
    yield Line(vault.location == s.region, "region", vault.location,
               f"a vault cannot move: create one in {s.region} under a new name (00-setup proposes one)")
    yield Line(_value(p.sku.name).lower() == "standard", "pricing tier", _value(p.sku.name),
               "set sku=Sku(family='A', name='standard') and run the cell above again")
    yield Line(p.enable_soft_delete is not False, "soft delete", "on" if p.enable_soft_delete is not False else "off",
               "turn soft delete on (enable_soft_delete=True)")
    retention = p.soft_delete_retention_in_days
    yield Line(retention == 7, "days to retain deleted vaults", str(retention),
               "fixed at creation: create a vault with 7 days under a new name")
    yield Line(bool(p.enable_purge_protection), "purge protection", "on" if p.enable_purge_protection else "off",
               "customer-managed keys require it: set enable_purge_protection=True and run the cell above again")
    rbac = bool(p.enable_rbac_authorization)
    yield Line(rbac, "permission model", "Azure role-based access control" if rbac else "vault access policies",
               "set enable_rbac_authorization=True and run the cell above again")
    public = (_value(p.public_network_access) or "Enabled").lower() == "enabled"
    yield Line(public, "public network access", "enabled" if public else "disabled",
               "this lab keeps it enabled: set public_network_access='Enabled'")


@step("02-administrator", "Your Key Vault role", "you may manage keys in the vault")
def administrator_ready(s):
    vault = _vault(s)
    if vault is None:
        yield NO_VAULT
        return
    yield your_role_line(s, vault.id, KV_ADMINISTRATOR)


def your_role_line(s, scope: str, role_name: str) -> Line:
    """Green when you hold `role_name` at `scope` or above it."""
    held = [h for h in roles_held(s.credential, s.subscription_id, scope, s.learner_object_id)
            if h.role_name == role_name]
    return Line(bool(held), role_name,
                f"assigned to you on {scope_label(held[0].scope, s)}" if held else "not assigned to you",
                "run the role-assignment cell above")


def key_client(vault, s) -> KeyClient:
    return KeyClient(vault.properties.vault_uri, s.credential)


@step("02-key", "Encryption key", "the key can protect a Foundry resource")
def key_ready(s):
    vault = _vault(s)
    if vault is None:
        yield NO_VAULT
        return
    try:
        key = key_client(vault, s).get_key(s.key_name)
    except ResourceNotFoundError:
        yield Line(False, "key", f"{s.key_name} not found", "run the create-key cell above")
        return
    yield Line(True, "key", f"{key.name}, version {key.properties.version}")
    kty = _value(key.key_type)
    yield Line(kty in ("RSA", "RSA-HSM"), "key type", kty, "Foundry accepts RSA or RSA-HSM keys only")
    bits = len(key.key.n or b"") * 8
    yield Line(bits == 2048, "key size", f"{bits} bits", "Foundry needs a 2048-bit RSA key")
    enabled = bool(key.properties.enabled)
    yield Line(enabled, "enabled", "yes" if enabled else "no",
               "enable it: keys.update_key_properties(key_name, enabled=True)")
    ops = {_value(op) for op in key.key_operations or []}
    wraps = {"wrapKey", "unwrapKey"} <= ops
    yield Line(wraps, "key operations", ", ".join(sorted(ops)) or "none",
               "the key must allow wrapKey and unwrapKey")
    expires = key.properties.expires_on
    if expires is not None:
        alive = expires > datetime.now(timezone.utc)
        yield Line(alive, "expiry", f"{expires:%Y-%m-%d}", "rotate the key: keys.rotate_key(key_name)")


@step("02-rotation-policy", "Rotation policy", "new key versions come every 6 months and live 210 days")
def rotation_ready(s):
    vault = _vault(s)
    if vault is None:
        yield NO_VAULT
        return
    yield from policy_lines(key_client(vault, s), s, "the cell above")


def policy_lines(keys: KeyClient, s, where: str):
    try:
        policy = keys.get_key_rotation_policy(s.key_name)
    except ResourceNotFoundError:
        yield Line(False, "key", f"{s.key_name} not found", "run 02-generate-key")
        return
    rotate = [a for a in policy.lifetime_actions or [] if _value(a.action).lower() == "rotate"]
    after = rotate[0].time_after_create if rotate else None
    ok = (after or "").upper() == "P6M"
    yield Line(ok, "automatic rotation", f"{after} after creation" if after else "not configured",
               f"set a Rotate action with time_after_create='P6M' ({where})")
    expiry = (policy.expires_in or "").upper()
    yield Line(expiry == "P210D", "expiry time", expiry or "none", f"set expires_in='P210D' ({where})")


@step("03-foundry-resource", "Foundry resource", "the Foundry resource exists with its own managed identity")
def foundry_ready(s):
    account = foundry_account(s)
    if account is None:
        yield Line(False, "Foundry resource", f"{s.foundry_name} not found in {s.resource_group}",
                   "run the cell above")
        return
    p = account.properties
    yield Line(_value(p.provisioning_state) == "Succeeded", "Foundry resource",
               f"{account.name}: {_value(p.provisioning_state)}", "wait a minute, then run this cell again")
    yield Line(account.kind == "AIServices", "kind", str(account.kind),
               "a Foundry resource is kind 'AIServices': create it again under another name")
    yield Line(_value(account.sku.name) == "S0", "pricing tier", _value(account.sku.name), "use sku=Sku(name='S0')")
    identity = account.identity
    has_identity = bool(identity and "SystemAssigned" in _value(identity.type) and identity.principal_id)
    yield Line(has_identity, "system-assigned identity",
               f"principal {identity.principal_id}" if has_identity else "none",
               "turn it on: identity=Identity(type='SystemAssigned'), then run the cell again")
    domain = p.custom_sub_domain_name or ""
    yield Line(domain.lower() == s.foundry_name.lower(), "custom sub-domain", domain or "none",
               "set only at creation: create the resource again with custom_sub_domain_name")
    yield Line(bool(p.allow_project_management), "project management", "allowed" if p.allow_project_management
               else "not allowed", "set allow_project_management=True")
    same_region = account.location == s.region
    yield Line(same_region, "region", account.location,
               f"CMK needs the vault's region ({s.region}): create the resource there")
    cmk = p.encryption is not None and _value(p.encryption.key_source) == "Microsoft.KeyVault"
    yield Line(True, "encryption", "customer-managed key (step 5 is done)" if cmk
               else "Microsoft-managed keys (step 5 switches to your key)")


@step("03-project", "Default project", "the default project exists")
def project_ready(s):
    account = foundry_account(s)
    if account is None:
        yield NO_ACCOUNT
        return
    try:
        project = CognitiveServicesManagementClient(s.credential, s.subscription_id).projects.get(
            s.resource_group, s.foundry_name, s.project_name)
    except ResourceNotFoundError:
        yield Line(False, "project", f"{s.project_name} not found", "run the create-project cell above")
        return
    yield Line(_value(project.properties.provisioning_state) == "Succeeded", "project",
               f"{s.project_name}: {_value(project.properties.provisioning_state)}", "run this cell again in a minute")
    default = (account.properties.default_project or "").lower() == s.project_name.lower() \
        or bool(project.properties.is_default)
    yield Line(default, "default project", "yes" if default else "no",
               "set default_project on the Foundry resource (the cell above)")


@step("04-key-access", "Key access", "the Foundry identity may get, wrap and unwrap this one key, and nothing more")
def key_access_ready(s):
    account, vault = foundry_account(s), _vault(s)
    if account is None or vault is None:
        yield NO_ACCOUNT if account is None else NO_VAULT
        return
    principal = account.identity.principal_id if account.identity else None
    if not principal:
        yield Line(False, "Foundry identity", "none", "turn on the system-assigned identity (03)")
        return
    key_scope = f"{vault.id}/keys/{s.key_name}"
    held = roles_held(s.credential, s.subscription_id, key_scope, principal)
    grant = [h for h in held if h.role_name == ENCRYPTION_USER]
    yield Line(bool(grant), ENCRYPTION_USER,
               f"assigned on {scope_label(grant[0].scope, s)}" if grant else "not assigned to the Foundry identity",
               "run the role-assignment cell above")
    if grant:
        on_key = any(h.scope.lower() == key_scope.lower() for h in grant)
        yield Line(on_key, "scope", "this key only" if on_key else "wider than the key",
                   "assign the role on the key and remove the wider assignment")
    extra = sorted({h.role_name for h in held if h.role_name != ENCRYPTION_USER})
    yield Line(not extra, "least privilege", ", ".join(extra) or "no other role on the key",
               "remove these roles from the identity: get, wrapKey and unwrapKey are all it needs")


def cmk_account(s, fix: str):
    """(account, vault, its keyVaultProperties) when the Foundry resource uses a customer-managed key,
    else the red Line that says what is missing."""
    account, vault = foundry_account(s), _vault(s)
    if account is None or vault is None:
        return NO_ACCOUNT if account is None else NO_VAULT
    encryption = account.properties.encryption
    if encryption is None or _value(encryption.key_source) != "Microsoft.KeyVault":
        return Line(False, "key source", "Microsoft-managed keys", fix)
    return account, vault, encryption.key_vault_properties


@step("05-cmk", "Customer-managed key", "the Foundry resource is encrypted with your key")
def cmk_ready(s):
    found = cmk_account(s, "run the update cell above")
    if isinstance(found, Line):
        yield found
        return
    account, vault, kvp = found
    yield Line(True, "key source", "a customer-managed key in Key Vault")
    same_vault = (kvp.key_vault_uri or "").rstrip("/").lower() == vault.properties.vault_uri.rstrip("/").lower()
    yield Line(same_vault, "vault", kvp.key_vault_uri or "none", "point it at your vault")
    yield Line(kvp.key_name == s.key_name, "key", kvp.key_name or "none", "point it at your key")
    latest = key_client(vault, s).get_key(s.key_name).properties.version
    current = kvp.key_version == latest
    yield Line(current, "key version", f"{kvp.key_version or 'none'}" + (" (the latest)" if current else ""),
               "the key has a newer version: run the update cell again "
               "(rotation does not re-encrypt; the resource must be told)")
    yield Line(_value(account.properties.provisioning_state) == "Succeeded", "provisioning",
               _value(account.properties.provisioning_state), "wait a minute, then run this cell again")
    yield Line(bool(vault.properties.enable_purge_protection), "vault purge protection",
               "on" if vault.properties.enable_purge_protection else "off", "turn purge protection on (01)")


@step("06-deleted", "Resource group deleted", "the resource group and everything in it are deleted")
def group_deleted(s):
    exists = ResourceManagementClient(s.credential, s.subscription_id).resource_groups.check_existence(
        s.resource_group)
    yield Line(not exists, "resource group", "still exists" if exists else "deleted",
               "run the delete cell above")


@step("06-purged", "Soft-deleted leftovers", "nothing is left to pay for; what stays soft-deleted is explained")
def leftovers_handled(s):
    cs = CognitiveServicesManagementClient(s.credential, s.subscription_id)
    held = any(a.name.lower() == s.foundry_name.lower() for a in cs.deleted_accounts.list())
    yield Line(not held, "Foundry resource", "soft-deleted: its name and quota are still held" if held
               else "purged: its name and quota are free again", "run the purge cell above")
    kv = KeyVaultManagementClient(s.credential, s.subscription_id)
    deleted = next((v for v in kv.vaults.list_deleted() if v.name.lower() == s.key_vault_name.lower()), None)
    if deleted is None:
        yield Line(True, "key vault", "gone")
        return
    protected = bool(deleted.properties.purge_protection_enabled)
    until = deleted.properties.scheduled_purge_date
    yield Line(protected, "key vault", f"soft-deleted; purge protection holds it and its name until {until:%Y-%m-%d}"
               if protected else "soft-deleted", "purge it (the purge cell above)")
