"""Key vaults (Microsoft.KeyVault/vaults): naming, soft delete, purge protection and the permission
model, as the management plane enforces them (reference/azure-behavior-facts.md §B1–B4).

Vault names are global and case-insensitive (they are DNS labels), so one row per name holds the
vault whether it is live or soft-deleted; a purge removes the row and everything in the vault."""
from __future__ import annotations

import re

from ... import catalog, rbac, regions, registry
from ...clock import iso
from ...errors import AzureError
from ...store import dumps, loads

registry.schema("""
CREATE TABLE IF NOT EXISTS kv_vaults (
  key             TEXT PRIMARY KEY,     -- lower-case name: names are global and case-insensitive
  name            TEXT NOT NULL,        -- as created
  subscription_id TEXT NOT NULL,
  resource_group  TEXT NOT NULL,
  location        TEXT NOT NULL,
  tags            TEXT NOT NULL,
  properties      TEXT NOT NULL,        -- the writable ARM properties, as stored
  system_data     TEXT NOT NULL,
  deleted         REAL,                 -- sandbox time of the soft delete (NULL while live)
  purge_at        REAL                  -- when the service purges the deleted vault
);
CREATE INDEX IF NOT EXISTS kv_vaults_group ON kv_vaults (subscription_id, resource_group);
CREATE INDEX IF NOT EXISTS kv_vaults_purge ON kv_vaults (purge_at);
""")

TYPE = "Microsoft.KeyVault/vaults"
_NAME = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")
# Since 2026-02-01 RBAC is the default permission model of a new vault (the 2026-05-15 spec's
# `default: true`); older versions keep access policies (facts §B4).
_RBAC_DEFAULT_FROM = "2026-02-01"
_MUTABLE = ("enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment",
            "enableRbacAuthorization", "publicNetworkAccess", "networkAcls", "accessPolicies")


def vault_id(subscription_id: str, group: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{TYPE}/{name}"


def name_error(name: str) -> str | None:
    if _NAME.match(name or ""):
        return None
    return (f"The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. "
            "The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. "
            "Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742")


def _in_use(name: str) -> str:
    # facts §B1 (the long variant, as checkNameAvailability and the portal print it)
    return (f"The vault name '{name}' is already in use. Vault names are globally unique so it is possible that "
            "the name is already taken. If you are sure that the vault name was not taken then it is possible "
            "that a vault with the same name was recently deleted but not purged after being placed in a "
            "recoverable state. If the vault is in a recoverable state then the vault will need to be explicitly "
            "purged before reusing the name. For more information on soft delete and purging a vault follow this "
            "link https://go.microsoft.com/fwlink/?linkid=2147740.")


DELETED_CONFLICT = ("A vault with the same name already exists in deleted state. You need to either recover or "
                    "purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 "
                    "for more information on soft delete.")


def check_name(sb, name) -> dict:
    if not isinstance(name, str) or name_error(name):
        return {"nameAvailable": False, "reason": "AccountNameInvalid", "message": name_error(str(name))}
    if row(sb, name, deleted=None) is not None:
        return {"nameAvailable": False, "reason": "AlreadyExists", "message": _in_use(name)}
    return {"nameAvailable": True}


# ---- state ----------------------------------------------------------------------------------------

def row(sb, name: str, *, deleted: bool | None = False) -> dict | None:
    """The vault row by name; deleted=False live only, True soft-deleted only, None either."""
    r = sb.store.one("SELECT * FROM kv_vaults WHERE key = ?", (name.lower(),))
    if r is None or (deleted is not None and (r["deleted"] is not None) != deleted):
        return None
    return r


def live_in_group(sb, subscription_id: str, group: str, name: str) -> dict | None:
    r = row(sb, name)
    if r and r["subscription_id"].lower() == subscription_id.lower() and r["resource_group"].lower() == group.lower():
        return r
    return None


def live(sb, subscription_id: str, group: str | None = None) -> list[dict]:
    """The live vaults of a subscription (or of one of its resource groups), by name."""
    return sb.store.all("SELECT * FROM kv_vaults WHERE subscription_id = ? COLLATE NOCASE AND deleted IS NULL "
                        "AND (? IS NULL OR resource_group = ? COLLATE NOCASE) ORDER BY key",
                        (subscription_id, group, group))


def deleted(sb, subscription_id: str) -> list[dict]:
    return sb.store.all("SELECT * FROM kv_vaults WHERE subscription_id = ? COLLATE NOCASE AND deleted IS NOT NULL "
                        "ORDER BY key", (subscription_id,))


def retention_days(r: dict) -> int:
    return loads(r["properties"])["softDeleteRetentionInDays"]


def purge_protected(r: dict) -> bool:
    return bool(loads(r["properties"]).get("enablePurgeProtection"))


def not_found(name: str, group: str) -> AzureError:
    return AzureError(404, "ResourceNotFound",
                      f"The Resource '{TYPE}/{name}' under resource group '{group}' was not found. For more "
                      "details please go to https://aka.ms/ARMResourceNotFoundFix")


# ---- rules ----------------------------------------------------------------------------------------

def _bad(message: str) -> AzureError:
    return AzureError(400, "BadRequest", message)


def _validate_properties(sb, props: dict, *, creating: bool, current: dict | None) -> None:
    if props.get("enableSoftDelete") is False:
        raise _bad('The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault '
                   'is an irreversible action.')
    if props.get("enablePurgeProtection") is False:        # even on create (facts §B3)
        raise _bad('The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection '
                   'for a vault is an irreversible action.')
    if "tenantId" in props or creating:
        tenant = props.get("tenantId")
        if not isinstance(tenant, str) or tenant.lower() != sb.tenant_id.lower():
            raise _bad(f"The tenant ID '{tenant}' in the request is not the tenant of the subscription "
                       f"('{sb.tenant_id}'). A vault must use the tenant its subscription belongs to.")
    if "sku" in props or creating:
        sku = props.get("sku")
        if not isinstance(sku, dict) or str(sku.get("name", "")).lower() not in ("standard", "premium") \
                or str(sku.get("family", "A")).upper() != "A":
            raise _bad(f"The SKU '{sku}' is not valid. Use {{\"family\": \"A\", \"name\": \"standard\"}} or "
                       "'premium'.")
    if "softDeleteRetentionInDays" in props:
        days = props["softDeleteRetentionInDays"]
        if not isinstance(days, int) or isinstance(days, bool) or not 7 <= days <= 90:
            raise _bad(f"The value '{days}' of the property \"softDeleteRetentionInDays\" is out of range. "
                       "It must be an integer between 7 and 90.")
        if current is not None and days != current["softDeleteRetentionInDays"]:
            raise _bad('The property "softDeleteRetentionInDays" has been set already and it can\'t be modified.')
    for key in ("enableRbacAuthorization", "enabledForDeployment", "enabledForDiskEncryption",
                "enabledForTemplateDeployment", "enablePurgeProtection"):
        if key in props and props[key] is not None and not isinstance(props[key], bool):
            raise _bad(f"The property \"{key}\" must be a boolean.")
    policies = props.get("accessPolicies")
    if policies is not None:
        if not isinstance(policies, list) or len(policies) > 1024:
            raise _bad("The property \"accessPolicies\" must be an array of 0 to 1024 access policy entries.")
        for p in policies:
            if not isinstance(p, dict) or not p.get("objectId") or not isinstance(p.get("permissions"), dict):
                raise _bad("Each access policy needs tenantId, objectId and permissions.")
            if str(p.get("tenantId", "")).lower() != sb.tenant_id.lower():
                raise _bad("All identities in the access policies must use the same tenant ID as the key vault's "
                           "tenant ID.")


def _location(body: dict) -> str:
    loc = regions.normalize(body.get("location"))
    offered = catalog.locations("Microsoft.KeyVault", "vaults")
    if loc not in offered:
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{body.get('location')}' is not available for resource type "
                         f"'{TYPE}'. List of available regions for the resource type is '{','.join(offered)}'.")
    return loc


def _system_data(sb, caller, previous: dict | None) -> dict:
    now = iso(sb.clock.now())
    who = caller.upn or caller.object_id
    kind = "User" if caller.is_user else "Application"
    data = previous or {"createdBy": who, "createdByType": kind, "createdAt": now}
    return {**data, "lastModifiedBy": who, "lastModifiedByType": kind, "lastModifiedAt": now}


def _tags(body: dict, default: dict) -> dict:
    tags = body.get("tags", default)
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise AzureError(400, "InvalidRequestContent", "The property \"tags\" must be an object of strings.")
    return tags


def create_or_update(sb, caller, subscription_id: str, group: str, name: str, body: dict,
                     api_version: str) -> tuple[dict, bool]:
    """PUT: returns (the vault's row, created?)."""
    if name_error(name):
        raise AzureError(400, "VaultNameNotValid", name_error(name))
    props = body.get("properties")
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content must have \"properties\" "
                                                       "(tenantId and sku are required).")
    with sb.store.transaction():
        existing = row(sb, name, deleted=None)
        recover = str(props.get("createMode", "default")).lower() == "recover"
        if existing and existing["deleted"] is not None:
            if not recover:
                raise AzureError(409, "ConflictError", DELETED_CONFLICT)
            if (existing["subscription_id"].lower(), existing["resource_group"].lower()) != \
                    (subscription_id.lower(), group.lower()):
                raise AzureError(409, "ConflictError",
                                 f"The deleted vault '{name}' belongs to resource group '{existing['resource_group']}' "
                                 f"of subscription '{existing['subscription_id']}'; recover it there.")
            return _recover(sb, caller, existing, body), False
        if recover:
            raise AzureError(404, "ResourceNotFound",
                             f"No deleted vault named '{name}' was found to recover (createMode: recover).")
        if existing and (existing["subscription_id"].lower(), existing["resource_group"].lower()) != \
                (subscription_id.lower(), group.lower()):
            raise AzureError(409, "VaultAlreadyExists", _in_use(name))
        location = _location(body)
        current = loads(existing["properties"]) if existing else None
        if existing and location != existing["location"]:
            raise AzureError(400, "InvalidResourceLocation",
                             f"The resource '{name}' already exists in location '{existing['location']}' in resource "
                             f"group '{group}'. A resource with the same name cannot be created in location "
                             f"'{location}'. Please select a new resource name.")
        _validate_properties(sb, props, creating=True, current=current)
        _guard_permission_model(sb, caller, current, props, vault_id(subscription_id, group, name))
        stored = _merge(current, props, api_version)
        if not stored["enableRbacAuthorization"] and "accessPolicies" not in props and not existing:
            raise _bad("The parameter accessPolicies is not specified. Access policies are required for a vault "
                       "that does not use the Azure RBAC permission model.")
        _save(sb, caller, existing, subscription_id, group, name, location,
              _tags(body, loads(existing["tags"]) if existing else {}), stored)
    return row(sb, name), existing is None


def _guard_permission_model(sb, caller, current: dict | None, props: dict, vid: str) -> None:
    """Changing the permission model of an existing vault needs unrestricted role-assignment write
    (Owner, User Access Administrator), not just vaults/write (key-vault/general/rbac-guide.md)."""
    wanted = props.get("enableRbacAuthorization")
    if current is not None and wanted is not None and wanted != current.get("enableRbacAuthorization"):
        rbac.require_arm(sb, caller, "Microsoft.Authorization/roleAssignments/write", vid)


def _merge(current: dict | None, props: dict, api_version: str) -> dict:
    stored = dict(current or {
        "enabledForDeployment": False, "enabledForDiskEncryption": False, "enabledForTemplateDeployment": False,
        "enableSoftDelete": True, "softDeleteRetentionInDays": 90, "accessPolicies": [],
        "enableRbacAuthorization": api_version >= _RBAC_DEFAULT_FROM, "publicNetworkAccess": "Enabled"})
    for key in ("tenantId", "sku", *_MUTABLE):
        if props.get(key) is not None:
            stored[key] = props[key]
    if current is None and props.get("softDeleteRetentionInDays") is not None:
        stored["softDeleteRetentionInDays"] = props["softDeleteRetentionInDays"]
    if props.get("enablePurgeProtection"):
        stored["enablePurgeProtection"] = True
    stored["sku"] = {"family": "A", "name": stored["sku"]["name"].lower()}
    return stored


def _save(sb, caller, existing, subscription_id, group, name, location, tags, props) -> None:
    system = _system_data(sb, caller, loads(existing["system_data"]) if existing else None)
    if existing:
        sb.store.execute("UPDATE kv_vaults SET tags = ?, properties = ?, system_data = ? WHERE key = ?",
                         (dumps(tags), dumps(props), dumps(system), name.lower()))
    else:
        sb.store.execute("INSERT INTO kv_vaults VALUES (?,?,?,?,?,?,?,?,NULL,NULL)",
                         (name.lower(), name, subscription_id, group, location, dumps(tags), dumps(props),
                          dumps(system)))


def _recover(sb, caller, existing: dict, body: dict) -> dict:
    """createMode: recover brings the vault and its keys back, but not its role assignments (facts §B2)."""
    system = _system_data(sb, caller, loads(existing["system_data"]))
    # The recovered vault keeps its own properties; the request's are not applied on recovery.
    sb.store.execute("UPDATE kv_vaults SET deleted = NULL, purge_at = NULL, tags = ?, system_data = ? WHERE key = ?",
                     (dumps(_tags(body, loads(existing["tags"]))), dumps(system), existing["key"]))
    return row(sb, existing["name"])


def update(sb, caller, subscription_id: str, group: str, name: str, body: dict) -> dict:
    """PATCH: only the properties sent change."""
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "\"properties\" must be an object.")
    with sb.store.transaction():
        existing = live_in_group(sb, subscription_id, group, name)
        if existing is None:
            raise not_found(name, group)
        current = loads(existing["properties"])
        _validate_properties(sb, props, creating=False, current=current)
        _guard_permission_model(sb, caller, current, props, vault_id(subscription_id, group, name))
        stored = _merge(current, props, "")
        _save(sb, caller, existing, subscription_id, group, name, existing["location"],
              _tags(body, loads(existing["tags"])), stored)
    return row(sb, name)


def soft_delete(sb, r: dict) -> None:
    """Delete = soft delete: the name stays held for the retention period, and the vault's role
    assignments go (facts §B2: recovering does not bring them back)."""
    now = sb.clock.now()
    with sb.store.transaction():
        sb.store.execute("UPDATE kv_vaults SET deleted = ?, purge_at = ? WHERE key = ?",
                         (now, now + retention_days(r) * 86400, r["key"]))
        rbac.delete_assignments_under(sb, vault_id(r["subscription_id"], r["resource_group"], r["name"]))


def purge(sb, r: dict) -> None:
    with sb.store.transaction():
        for fn in PURGE_HOOKS:
            fn(sb, r["key"])
        sb.store.execute("DELETE FROM kv_vaults WHERE key = ?", (r["key"],))


PURGE_HOOKS: list = []        # fn(sb, vault_key): what lives in a vault goes with its purge (keys)


def purge_deleted(sb, subscription_id: str, name: str, location: str) -> None:
    r = find_deleted(sb, subscription_id, name, location)
    if purge_protected(r):
        # facts §B3 (the 2024 code; older tools printed MethodNotAllowed)
        raise AzureError(400, "InvalidOperation", "Operation 'DeletedVaultPurge' is not allowed.")
    purge(sb, r)


def find_deleted(sb, subscription_id: str, name: str, location: str) -> dict:
    """The deleted vault of this subscription in this location, or ARM's 404."""
    r = row(sb, name, deleted=True)
    if r is None or r["location"] != (regions.normalize(location) or location.lower()) \
            or r["subscription_id"].lower() != subscription_id.lower():
        raise AzureError(404, "ResourceNotFound",
                         f"The Resource 'Microsoft.KeyVault/locations/{location}/deletedVaults/{name}' under "
                         "resource group '<null>' was not found. For more details please go to "
                         "https://aka.ms/ARMResourceNotFoundFix")
    return r


# ---- platform hooks -------------------------------------------------------------------------------

@registry.ticker
def _purge_due(sb, now: float) -> None:
    """Retention over: the service purges the deleted vault, purge protection or not (facts §B3)."""
    for r in sb.store.all("SELECT * FROM kv_vaults WHERE purge_at <= ?", (now,)):
        purge(sb, r)


@registry.group_deleter
def _delete_group(sb, caller, subscription_id: str, group: str) -> None:
    for r in sb.store.all("SELECT * FROM kv_vaults WHERE subscription_id = ? COLLATE NOCASE AND "
                          "resource_group = ? COLLATE NOCASE AND deleted IS NULL", (subscription_id, group)):
        soft_delete(sb, r)


@registry.host_check("keyvault")
def _vault_host(sb, label: str) -> bool:
    return row(sb, label) is not None


@registry.resource_exists("Microsoft.KeyVault", "vaults")
def _vault_exists(sb, subscription_id: str, group: str, names: list[str]) -> bool:
    return live_in_group(sb, subscription_id, group, names[0]) is not None
