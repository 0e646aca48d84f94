"""ARM core state and rules: subscriptions (seeded by the context), resource groups, and the
cascade of a group delete through every provider's own delete."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ... import rbac, regions, registry
from ...http import optional_string
from ...store import dumps, loads, present
from . import errors

if TYPE_CHECKING:
    from ...context import Sandbox

registry.schema("""
CREATE TABLE IF NOT EXISTS resource_groups (
  subscription_id TEXT NOT NULL COLLATE NOCASE,
  name            TEXT NOT NULL COLLATE NOCASE,   -- unique case-insensitively, case of creation kept
  location        TEXT NOT NULL,
  tags            TEXT,                           -- JSON object, NULL when never set
  managed_by      TEXT,
  created         REAL NOT NULL,
  PRIMARY KEY (subscription_id, name)
)""")

# ARM's rule (ResourceGroups_CreateOrUpdate in resources.json): 1-90 of letters, digits, '-', '_',
# '.', '(', ')', not ending in a period.
_GROUP_NAME = re.compile(r"^[-\w._()]{1,90}$")


def group_id(subscription_id: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{name}"


def validate_group_name(name: str) -> None:
    if _GROUP_NAME.match(name) and not name.endswith("."):
        return
    bad = "".join(sorted(set(re.sub(r"[-\w._()]", "", name))))
    # Wording as ARM answers (relayed in microsoft/microsoft-foundry-for-vscode#53).
    if bad:
        detail = (f"has these invalid characters: '{bad}'. The name can only be a letter, digit, '-', '.', '(', ')' "
                  "or '_'.")
    else:
        detail = "is invalid. It must be 1 to 90 characters long and cannot end with a period."
    raise errors.GROUP_NAME_INVALID(name=name, detail=detail)


def get_group(sb: Sandbox, subscription_id: str, name: str) -> dict | None:
    row = sb.store.one("SELECT * FROM resource_groups WHERE subscription_id = ? AND name = ?",
                       (subscription_id, name))
    if row:
        row["tags"] = loads(row["tags"])
    return row


def require_group(sb: Sandbox, subscription_id: str, name: str) -> dict:
    """The group, or ARM's 404 ResourceGroupNotFound (other providers call this before acting in a group)."""
    group = get_group(sb, subscription_id, name)
    if group is None:
        raise errors.GROUP_NOT_FOUND(name=name)
    return group


def list_groups(sb: Sandbox, subscription_id: str) -> list[dict]:
    rows = sb.store.all("SELECT * FROM resource_groups WHERE subscription_id = ? ORDER BY name",
                        (subscription_id,))
    for row in rows:
        row["tags"] = loads(row["tags"])
    return rows


def _location(value) -> str:
    if value is None or value == "":
        raise errors.LOCATION_REQUIRED()
    location = regions.normalize(value)
    if location is None:
        raise errors.LOCATION_NOT_AVAILABLE(value=value, values=','.join(r[0] for r in regions.REGIONS))
    return location


def _tags(value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise errors.TAGS_INVALID()
    return value


def create_or_update_group(sb: Sandbox, subscription_id: str, name: str, body: dict) -> tuple[dict, bool]:
    """PUT semantics: create, or replace tags of an existing group (its location cannot change).
    Returns (group, created)."""
    validate_group_name(name)
    location = _location(body.get("location"))
    tags = _tags(body.get("tags"))
    with sb.store.transaction():
        existing = get_group(sb, subscription_id, name)
        if existing is None:
            sb.store.execute("INSERT INTO resource_groups VALUES (?,?,?,?,?,?)",
                             (subscription_id, name, location, None if tags is None else dumps(tags),
                              optional_string(body, "managedBy"), sb.clock.now()))
        else:
            if existing["location"] != location:
                raise errors.GROUP_LOCATION_FIXED(location=body.get('location'), location2=existing['location'])
            sb.store.execute("UPDATE resource_groups SET tags = ?, managed_by = ? WHERE subscription_id = ? "
                             "AND name = ?",
                             (None if tags is None else dumps(tags), optional_string(body, "managedBy"),
                              subscription_id, name))
        return present(get_group(sb, subscription_id, name), name), existing is None


def patch_group(sb: Sandbox, subscription_id: str, name: str, body: dict) -> dict:
    with sb.store.transaction():
        group = require_group(sb, subscription_id, name)
        if "location" in body and body["location"] and regions.normalize(body["location"]) != group["location"]:
            raise errors.GROUP_LOCATION_FIXED(location=body['location'], location2=group['location'])
        if "tags" in body:
            tags = _tags(body["tags"])
            sb.store.execute("UPDATE resource_groups SET tags = ? WHERE subscription_id = ? AND name = ?",
                             (None if tags is None else dumps(tags), subscription_id, name))
        if "managedBy" in body:
            sb.store.execute("UPDATE resource_groups SET managed_by = ? WHERE subscription_id = ? AND name = ?",
                             (optional_string(body, "managedBy"), subscription_id, name))
        return present(get_group(sb, subscription_id, name), name)


def delete_group(sb: Sandbox, caller, subscription_id: str, name: str) -> dict:
    """Delete everything in the group through each provider's own delete (so soft delete applies),
    then the group's own role assignments and the group, all in one transaction."""
    with sb.store.transaction():
        group = require_group(sb, subscription_id, name)
        for delete_contents in registry.GROUP_DELETERS:
            delete_contents(sb, caller, subscription_id, group["name"])
        rbac.delete_assignments_under(sb, group_id(subscription_id, group["name"]))
        sb.store.execute("DELETE FROM resource_groups WHERE subscription_id = ? AND name = ?",
                         (subscription_id, name))
    return group


# The `$filter` terms of GET …/resources the sandbox takes (resources.json, Resources_List: `eq` on
# resourceType, name or location, joined by `and`); ARM compares them case-insensitively.
_FILTER_TERM = re.compile(r"\s*(resourceType|name|location)\s+eq\s+'([^']*)'\s*", re.I)


def _parse_filter(text: str | None) -> dict[str, str]:
    terms: dict[str, str] = {}
    for term in filter(None, re.split(r"\s+and\s+", (text or "").strip(), flags=re.I)):
        m = _FILTER_TERM.fullmatch(term)
        if m is None:
            # Azure/azure-sdk-for-net#18748, Azure/azure-sdk-for-go#2480
            raise errors.FILTER_INVALID(text=text)
        field = {"resourcetype": "type", "name": "name", "location": "location"}[m.group(1).lower()]
        terms[field] = m.group(2).lower()
    return terms


def list_resources(sb: Sandbox, subscription_id: str, group: str | None, filter_text: str | None) -> list[dict]:
    """ARM's generic list: the tracked resources every provider reports, in the subscription or one group."""
    terms = _parse_filter(filter_text)
    found = [r for lister in registry.RESOURCE_LISTERS for r in lister(sb, subscription_id, group)
             if all(str(r.get(field, "")).lower() == value for field, value in terms.items())]
    return sorted(found, key=lambda r: r["id"].lower())


def visible_subscriptions(sb: Sandbox, principal_id: str) -> list[dict]:
    """`GET /subscriptions` lists those where the caller holds any role at or below the subscription."""
    return [s for s in sb.subscriptions()
            if rbac.has_assignment_under(sb, principal_id, f"/subscriptions/{s['subscription_id']}")]
