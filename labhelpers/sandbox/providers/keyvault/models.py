"""Key vaults (Microsoft.KeyVault/vaults): naming, soft delete, purge protection and the permission
model, as the management plane enforces them (reference/azure-behavior-facts.md §B1–B4).

Vault names are global and case-insensitive (they are DNS labels), so one row per name holds the
vault whether it is live or soft-deleted; a purge removes the row and everything in the vault."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ... import catalog, rbac, regions, registry
from ...clock import iso
from ...errors import AzureError
from ...store import dumps, loads, present
from . import errors

if TYPE_CHECKING:
    from ...context import Sandbox

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
    return None if _NAME.match(name or "") else errors.VAULT_NAME_NOT_VALID.message.format(name=name)


def check_name(sb: Sandbox, name) -> dict:
    if not isinstance(name, str) or name_error(name):
        return {"nameAvailable": False, "reason": "AccountNameInvalid", "message": name_error(str(name))}
    if row(sb, name, deleted=None) is not None:
        return {"nameAvailable": False, "reason": "AlreadyExists",
                "message": errors.VAULT_ALREADY_EXISTS.message.format(name=name)}
    return {"nameAvailable": True}


# ---- state ----------------------------------------------------------------------------------------

def row(sb: Sandbox, name: str, *, deleted: bool | None = False) -> dict | None:
    """The vault row by name; deleted=False live only, True soft-deleted only, None either."""
    r = sb.store.one("SELECT * FROM kv_vaults WHERE key = ?", (name.lower(),))
    if r is None or (deleted is not None and (r["deleted"] is not None) != deleted):
        return None
    return r


def live_in_group(sb: Sandbox, subscription_id: str, group: str, name: str) -> dict | None:
    r = row(sb, name)
    if r and r["subscription_id"].lower() == subscription_id.lower() and r["resource_group"].lower() == group.lower():
        return r
    return None


def live(sb: Sandbox, subscription_id: str, group: str | None = None) -> list[dict]:
    """The live vaults of a subscription (or of one of its resource groups), by name."""
    return sb.store.all("SELECT * FROM kv_vaults WHERE subscription_id = ? COLLATE NOCASE AND deleted IS NULL "
                        "AND (? IS NULL OR resource_group = ? COLLATE NOCASE) ORDER BY key",
                        (subscription_id, group, group))


def deleted(sb: Sandbox, subscription_id: str) -> list[dict]:
    return sb.store.all("SELECT * FROM kv_vaults WHERE subscription_id = ? COLLATE NOCASE AND deleted IS NOT NULL "
                        "ORDER BY key", (subscription_id,))


def retention_days(r: dict) -> int:
    return loads(r["properties"])["softDeleteRetentionInDays"]


def purge_protected(r: dict) -> bool:
    return bool(loads(r["properties"]).get("enablePurgeProtection"))


def not_found(name: str, group: str) -> AzureError:
    return errors.VAULT_NOT_FOUND(type=TYPE, name=name, group=group)


# ---- rules ----------------------------------------------------------------------------------------

def _validate_properties(sb: Sandbox, props: dict, *, creating: bool, current: dict | None) -> None:
    if props.get("enableSoftDelete") is False:
        raise errors.SOFT_DELETE_IRREVERSIBLE()
    if props.get("enablePurgeProtection") is False:        # even on create (facts §B3)
        raise errors.PURGE_PROTECTION_IRREVERSIBLE()
    if "tenantId" in props or creating:
        tenant = props.get("tenantId")
        if not isinstance(tenant, str) or tenant.lower() != sb.tenant_id.lower():
            raise errors.TENANT_MISMATCH(tenant=tenant, tenant_id=sb.tenant_id)
    if "sku" in props or creating:
        sku = props.get("sku")
        if not isinstance(sku, dict) or str(sku.get("name", "")).lower() not in ("standard", "premium") \
                or str(sku.get("family", "A")).upper() != "A":
            raise errors.SKU_INVALID(sku=sku)
    if "softDeleteRetentionInDays" in props:
        days = props["softDeleteRetentionInDays"]
        if not isinstance(days, int) or isinstance(days, bool) or not 7 <= days <= 90:
            raise errors.RETENTION_OUT_OF_RANGE(days=days)
        if current is not None and days != current["softDeleteRetentionInDays"]:
            raise errors.RETENTION_FIXED()
    for key in ("enableRbacAuthorization", "enabledForDeployment", "enabledForDiskEncryption",
                "enabledForTemplateDeployment", "enablePurgeProtection"):
        if key in props and props[key] is not None and not isinstance(props[key], bool):
            raise errors.PROPERTY_NOT_BOOLEAN(key=key)
    policies = props.get("accessPolicies")
    if policies is not None:
        if not isinstance(policies, list) or len(policies) > 1024:
            raise errors.ACCESS_POLICIES_VALUE_INVALID()
        for p in policies:
            if not isinstance(p, dict) or not p.get("objectId") or not isinstance(p.get("permissions"), dict):
                raise errors.ACCESS_POLICY_INCOMPLETE()
            check_permissions(p["permissions"])
            if str(p.get("tenantId", "")).lower() != sb.tenant_id.lower():
                raise errors.ACCESS_POLICY_TENANT_MISMATCH()


# The permission names of each kind: the enums KeyPermissions, SecretPermissions, CertificatePermissions and
# StoragePermissions of the Permissions object (Microsoft.KeyVault 2026-05-15 openapi.json), matched
# case-insensitively, as ARM reads enums.
PERMISSIONS = {
    "keys": {"all", "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify", "get", "list", "create", "update",
             "import", "delete", "backup", "restore", "recover", "purge", "release", "rotate", "getrotationpolicy",
             "setrotationpolicy"},
    "secrets": {"all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"},
    "certificates": {"all", "get", "list", "delete", "create", "import", "update", "managecontacts", "getissuers",
                     "listissuers", "setissuers", "deleteissuers", "manageissuers", "recover", "purge", "backup",
                     "restore"},
    "storage": {"all", "get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge", "backup",
                "restore", "setsas", "listsas", "getsas", "deletesas"},
}


def check_permissions(permissions: object) -> None:
    """An access policy's permissions as the spec types them (an object of arrays of known names), or
    Azure's 400 for them; what is stored is read by every data-plane call of the vault after."""
    if not isinstance(permissions, dict) or not all(
            k in PERMISSIONS and (names is None or isinstance(names, list) and all(
                isinstance(n, str) and n.lower() in PERMISSIONS[k] for n in names))
            for k, names in permissions.items()):
        raise errors.ACCESS_POLICIES_VALUE_INVALID()


def _location(body: dict) -> str:
    loc = regions.normalize(body.get("location"))
    offered = catalog.locations("Microsoft.KeyVault", "vaults")
    if loc not in offered:
        raise errors.LOCATION_NOT_AVAILABLE(location=body.get('location'), type=TYPE, values=','.join(offered))
    return loc


def _system_data(sb: Sandbox, caller, previous: dict | None) -> dict:
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
        raise errors.VAULT_TAGS_INVALID()
    return tags


def create_or_update(sb: Sandbox, caller, subscription_id: str, group: str, name: str, body: dict,
                     api_version: str) -> tuple[dict, bool]:
    """PUT: returns (the vault's row, created?)."""
    if name_error(name):
        raise errors.VAULT_NAME_NOT_VALID(name=name)
    props = body.get("properties")
    if not isinstance(props, dict):
        raise errors.VAULT_PROPERTIES_REQUIRED()
    with sb.store.transaction():
        existing = row(sb, name, deleted=None)
        recover = str(props.get("createMode", "default")).lower() == "recover"
        if existing and existing["deleted"] is not None:
            if not recover:
                raise errors.VAULT_DELETED_CONFLICT()
            if (existing["subscription_id"].lower(), existing["resource_group"].lower()) != \
                    (subscription_id.lower(), group.lower()):
                raise errors.RECOVER_IN_ITS_GROUP(name=name, resource_group=existing["resource_group"],
                                                  subscription_id=existing["subscription_id"])
            return _recover(sb, caller, existing, body), False
        if recover:
            raise errors.NOTHING_TO_RECOVER(name=name)
        if existing and (existing["subscription_id"].lower(), existing["resource_group"].lower()) != \
                (subscription_id.lower(), group.lower()):
            raise errors.VAULT_ALREADY_EXISTS(name=name)
        location = _location(body)
        current = loads(existing["properties"]) if existing else None
        if existing and location != existing["location"]:
            raise errors.VAULT_LOCATION_FIXED(name=name, location=existing['location'], group=group, location2=location)
        _validate_properties(sb, props, creating=True, current=current)
        _guard_permission_model(sb, caller, current, props, vault_id(subscription_id, group, name))
        stored = _merge(current, props, api_version)
        if not stored["enableRbacAuthorization"] and "accessPolicies" not in props and not existing:
            raise errors.ACCESS_POLICIES_REQUIRED()
        _save(sb, caller, existing, subscription_id, group, name, location,
              _tags(body, loads(existing["tags"]) if existing else {}), stored)
    return present(row(sb, name), name), existing is None


def _guard_permission_model(sb: Sandbox, caller, current: dict | None, props: dict, vid: str) -> None:
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


def _save(sb: Sandbox, caller, existing, subscription_id, group, name, location, tags, props) -> None:
    system = _system_data(sb, caller, loads(existing["system_data"]) if existing else None)
    if existing:
        sb.store.execute("UPDATE kv_vaults SET tags = ?, properties = ?, system_data = ? WHERE key = ?",
                         (dumps(tags), dumps(props), dumps(system), name.lower()))
    else:
        sb.store.execute("INSERT INTO kv_vaults VALUES (?,?,?,?,?,?,?,?,NULL,NULL)",
                         (name.lower(), name, subscription_id, group, location, dumps(tags), dumps(props),
                          dumps(system)))


def _recover(sb: Sandbox, caller, existing: dict, body: dict) -> dict:
    """createMode: recover brings the vault and its keys back, but not its role assignments (facts §B2)."""
    system = _system_data(sb, caller, loads(existing["system_data"]))
    # The recovered vault keeps its own properties; the request's are not applied on recovery.
    sb.store.execute("UPDATE kv_vaults SET deleted = NULL, purge_at = NULL, tags = ?, system_data = ? WHERE key = ?",
                     (dumps(_tags(body, loads(existing["tags"]))), dumps(system), existing["key"]))
    return present(row(sb, existing["name"]), existing["name"])


def update(sb: Sandbox, caller, subscription_id: str, group: str, name: str, body: dict) -> dict:
    """PATCH: only the properties sent change."""
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise errors.VAULT_PROPERTIES_NOT_OBJECT()
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
    return present(row(sb, name), name)


def soft_delete(sb: Sandbox, r: dict) -> None:
    """Delete = soft delete: the name stays held for the retention period, and the vault's role
    assignments go (facts §B2: recovering does not bring them back)."""
    now = sb.clock.now()
    with sb.store.transaction():
        sb.store.execute("UPDATE kv_vaults SET deleted = ?, purge_at = ? WHERE key = ?",
                         (now, now + retention_days(r) * 86400, r["key"]))
        rbac.delete_assignments_under(sb, vault_id(r["subscription_id"], r["resource_group"], r["name"]))


def purge(sb: Sandbox, r: dict) -> None:
    with sb.store.transaction():
        for fn in PURGE_HOOKS:
            fn(sb, r["key"])
        sb.store.execute("DELETE FROM kv_vaults WHERE key = ?", (r["key"],))


PURGE_HOOKS: list = []        # fn(sb, vault_key): what lives in a vault goes with its purge (keys)


def purge_deleted(sb: Sandbox, subscription_id: str, name: str, location: str) -> None:
    r = find_deleted(sb, subscription_id, name, location)
    if purge_protected(r):
        # facts §B3 (the 2024 code; older tools printed MethodNotAllowed)
        raise errors.DELETED_VAULT_PURGE_PROTECTED()
    purge(sb, r)


def find_deleted(sb: Sandbox, subscription_id: str, name: str, location: str) -> dict:
    """The deleted vault of this subscription in this location, or ARM's 404."""
    r = row(sb, name, deleted=True)
    if r is None or r["location"] != (regions.normalize(location) or location.lower()) \
            or r["subscription_id"].lower() != subscription_id.lower():
        raise errors.DELETED_VAULT_NOT_FOUND(location=location, name=name)
    return r


# ---- platform hooks -------------------------------------------------------------------------------

@registry.ticker
def _purge_due(sb: Sandbox, now: float) -> None:
    """Retention over: the service purges the deleted vault, purge protection or not (facts §B3)."""
    for r in sb.store.all("SELECT * FROM kv_vaults WHERE purge_at <= ?", (now,)):
        purge(sb, r)


@registry.group_deleter
def _delete_group(sb: Sandbox, caller, subscription_id: str, group: str) -> None:
    for r in sb.store.all("SELECT * FROM kv_vaults WHERE subscription_id = ? COLLATE NOCASE AND "
                          "resource_group = ? COLLATE NOCASE AND deleted IS NULL", (subscription_id, group)):
        soft_delete(sb, r)


@registry.host_check("keyvault")
def _vault_host(sb: Sandbox, label: str) -> bool:
    return row(sb, label) is not None


@registry.resource_exists("Microsoft.KeyVault", "vaults")
def _vault_exists(sb: Sandbox, subscription_id: str, group: str, names: list[str]) -> bool:
    return live_in_group(sb, subscription_id, group, names[0]) is not None
