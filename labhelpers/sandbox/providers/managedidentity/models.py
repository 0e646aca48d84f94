"""User-assigned identities: rules and state. The shape is the REST spec's `Identity` (azure-rest-api-specs
specification/msi/resource-manager/Microsoft.ManagedIdentity/stable/2024-11-30/ManagedIdentity.json and its
examples IdentityCreate/IdentityGet): a tracked resource whose read-only `properties` carry `tenantId`,
`principalId` (the service principal's object id) and `clientId` (its application id), plus
`isolationScope` from 2024-11-30 on. The principal is made with the identity and removed with it."""
from __future__ import annotations

import re

from ... import catalog, directory, regions, registry
from ...store import dumps, loads
from ..resources.models import require_group
from . import errors

NAMESPACE = "Microsoft.ManagedIdentity"
TYPE = f"{NAMESPACE}/userAssignedIdentities"
# Naming rules for Microsoft.ManagedIdentity/userAssignedIdentities (Microsoft Learn, "Naming rules and
# restrictions for Azure resources"): 3-128 characters, letters, digits, '-' and '_', starting with a
# letter or digit (errors.NAME_INVALID).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$")
ISOLATION_SCOPES = ("None", "Regional")

registry.schema("""
CREATE TABLE IF NOT EXISTS mi_identities (
  subscription_id TEXT NOT NULL COLLATE NOCASE,
  resource_group  TEXT NOT NULL COLLATE NOCASE,
  name            TEXT NOT NULL COLLATE NOCASE,
  location        TEXT NOT NULL,
  tags            TEXT NOT NULL,
  isolation_scope TEXT NOT NULL,
  principal_id    TEXT NOT NULL,          -- principals.object_id
  PRIMARY KEY (subscription_id, resource_group, name)
);
""")


def identity_id(subscription_id: str, group: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourcegroups/{group}/providers/{TYPE}/{name}"


def to_json(sb, r: dict, api_version: str | None = None) -> dict:
    principal = directory.get(sb, r["principal_id"])
    assert principal is not None          # made and removed with the identity (create_or_update, delete)
    properties = {"tenantId": sb.tenant_id, "principalId": principal.object_id, "clientId": principal.app_id}
    if api_version is None or api_version >= "2024-11-30":        # isolationScope arrived with 2024-11-30
        properties["isolationScope"] = r["isolation_scope"]
    return {"id": identity_id(r["subscription_id"], r["resource_group"], r["name"]), "name": r["name"],
            "type": TYPE, "location": r["location"], "tags": loads(r["tags"]), "properties": properties}


def get(sb, subscription_id: str, group: str, name: str) -> dict | None:
    return sb.store.one("SELECT * FROM mi_identities WHERE subscription_id = ? AND resource_group = ? AND name = ?",
                        (subscription_id, group, name))


def not_found(group: str, name: str):
    return errors.IDENTITY_NOT_FOUND(type=TYPE, name=name, group=group)


def _location(body: dict, existing: dict | None) -> str:
    given = body.get("location")
    if not given:
        raise errors.LOCATION_REQUIRED()
    location = regions.normalize(given)
    offered = catalog.locations(NAMESPACE, "userAssignedIdentities")
    if location not in offered:
        raise errors.LOCATION_NOT_AVAILABLE(location=given, type=TYPE, values=",".join(offered))
    if existing and existing["location"] != location:
        raise errors.LOCATION_FIXED(name=existing["name"], location=existing["location"],
                                    group=existing["resource_group"], location2=location)
    return location


def _tags(body: dict) -> dict:
    tags = body.get("tags")
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise errors.TAGS_INVALID()
    return tags


def _isolation_scope(body: dict, current: str) -> str:
    given = (body.get("properties") or {}).get("isolationScope")
    if given is None:
        return current
    scope = next((s for s in ISOLATION_SCOPES if str(given).lower() == s.lower()), None)
    if scope is None:
        raise errors.ISOLATION_SCOPE_INVALID(given=given, values=", ".join(ISOLATION_SCOPES))
    return scope


def require(sb, subscription_id: str, group: str, name: str) -> dict:
    """The identity, else ARM's 404 for its group or for it."""
    require_group(sb, subscription_id, group)
    row = get(sb, subscription_id, group, name)
    if row is None:
        raise not_found(group, name)
    return row


def create_or_update(sb, subscription_id: str, group: str, name: str, body: dict) -> tuple[dict, bool]:
    """PUT: (the row, created?). The principal (with its object and client ids) is made once.
    PUT is ARM's full replace: the body is the whole `Identity` of the spec (UserAssignedIdentities_CreateOrUpdate),
    so a PUT without tags leaves the identity with none, as `az group create` does to a group's tags
    (Azure/azure-cli#11513: "when you create an existing resource, the new resource will directly overwrite
    the original")."""
    group = require_group(sb, subscription_id, group).get("name", group)
    return _write(sb, subscription_id, group, name, body)


def update(sb, subscription_id: str, group: str, name: str, body: dict) -> dict:
    """PATCH (UserAssignedIdentities_Update, body `IdentityUpdate`): changes what the body sends, so tags
    stay unless it sends `tags`, which then replace the whole set; the location may be given but not changed."""
    existing = require(sb, subscription_id, group, name)
    merged = {"location": body.get("location") or existing["location"], "tags": loads(existing["tags"]), **body}
    return _write(sb, subscription_id, existing["resource_group"], existing["name"], merged)[0]


def _write(sb, subscription_id: str, group: str, name: str, body: dict) -> tuple[dict, bool]:
    if not _NAME.match(name):
        raise errors.NAME_INVALID(name=name)
    with sb.store.transaction():
        existing = get(sb, subscription_id, group, name)
        location = _location(body, existing)
        tags = _tags(body)
        scope = _isolation_scope(body, existing["isolation_scope"] if existing else "None")
        if existing:
            sb.store.execute("UPDATE mi_identities SET tags = ?, isolation_scope = ? WHERE subscription_id = ? "
                             "AND resource_group = ? AND name = ?", (dumps(tags), scope, subscription_id, group, name))
            return _row(sb, subscription_id, group, name), False
        rid = identity_id(subscription_id, group, name)
        principal = directory.find(sb, mi_resource_id=rid) or directory.add_managed_identity(sb, rid, name)
        sb.store.execute("INSERT INTO mi_identities VALUES (?,?,?,?,?,?,?)",
                         (subscription_id, group, name, location, dumps(tags), scope, principal.object_id))
    return _row(sb, subscription_id, group, name), True


def _row(sb, subscription_id: str, group: str, name: str) -> dict:
    """The row just written, in the same transaction."""
    row = get(sb, subscription_id, group, name)
    assert row is not None
    return row


def delete_if_present(sb, subscription_id: str, group: str, name: str) -> bool:
    """DELETE: whether there was an identity to delete (ARM answers 204 when there was not)."""
    require_group(sb, subscription_id, group)
    row = get(sb, subscription_id, group, name)
    if row is not None:
        delete(sb, row)
    return row is not None


def delete(sb, r: dict) -> None:
    """The identity and its service principal go; role assignments naming it stay behind, as in Azure
    (they show as 'Identity not found' until someone removes them)."""
    with sb.store.transaction():
        sb.store.execute("DELETE FROM mi_identities WHERE subscription_id = ? AND resource_group = ? AND name = ?",
                         (r["subscription_id"], r["resource_group"], r["name"]))
        directory.remove(sb, r["principal_id"])


def list_in_group(sb, subscription_id: str, group: str) -> list[dict]:
    require_group(sb, subscription_id, group)
    return list_rows(sb, subscription_id, group)


def list_rows(sb, subscription_id: str, group: str | None = None) -> list[dict]:
    return sb.store.all("SELECT * FROM mi_identities WHERE subscription_id = ? AND (? IS NULL OR resource_group = ?) "
                        "ORDER BY resource_group, name", (subscription_id, group, group))


# ---- platform hooks ---------------------------------------------------------------------------------

@registry.group_deleter
def _delete_group(sb, caller, subscription_id: str, group: str) -> None:
    for r in list_rows(sb, subscription_id, group):
        delete(sb, r)


@registry.resource_exists(NAMESPACE, "userAssignedIdentities")
def _exists(sb, subscription_id: str, group: str, names: list[str]) -> bool:
    return get(sb, subscription_id, group, names[0]) is not None


@registry.resource_lister
def _list(sb, subscription_id: str, group: str | None) -> list[dict]:
    return [{k: v for k, v in to_json(sb, r).items() if k != "properties"}
            for r in list_rows(sb, subscription_id, group)]
