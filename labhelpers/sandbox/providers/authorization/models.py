"""Microsoft.Authorization rules: built-in role definitions and role assignments at any ARM scope
(facts §D2 for the errors). The table and the evaluator live in `rbac.py`."""
from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from ... import catalog, directory, rbac, registry
from ...http import optional_string
from ...store import present
from ..resources import models as resources
from . import errors

if TYPE_CHECKING:
    from ...context import Sandbox

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# A scope is the root, a subscription, a group, or a resource (namespace then type/name pairs),
# children included (…/vaults/v/keys/k).
_SCOPE = re.compile(r"^/subscriptions/[^/]+(/resourcegroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?)?$", re.I)
PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")


def check_scope(sb: Sandbox, scope: str, api_version: str | None) -> str:
    """The scope, normalised ('/subscriptions/…' without trailing slash), if it can hold assignments.
    ARM routes a malformed one to its own front door, which then rejects the api-version
    (azure-sdk-for-python#37423); a missing subscription or group gets its 404."""
    scope = "/" + scope.strip("/")
    if scope == "/":
        return scope
    if not _SCOPE.match(scope):
        versions = ",".join(sorted(catalog.api_versions("Microsoft.Resources", "resourceGroups"), reverse=True))
        raise errors.API_VERSION_INVALID(api_version=api_version, versions=versions)
    parts = scope.split("/")
    if sb.subscription(parts[2]) is None:
        raise errors.SUBSCRIPTION_NOT_FOUND(parts=parts[2])
    if len(parts) > 4:
        resources.require_group(sb, parts[2], parts[4])
    return scope


def require_resource(sb: Sandbox, scope: str) -> None:
    """ARM checks that the resource a new assignment is scoped to exists, and names the first
    missing one, parent before child: 404 ResourceNotFound "The Resource 'Microsoft.Storage/
    storageAccounts/x' under resource group 'g' was not found…" for a scope below a missing storage
    account (Azure/azure-cli#15243); a child is named type/name pairs in turn ('Microsoft.Sql/servers/
    s/databases/d', Azure/azure-powershell#13095). Types without an existence hook are not checked."""
    parts = scope.split("/")
    if len(parts) < 9:                 # not a resource: the subscription, group or root was checked already
        return
    subscription, group, namespace = parts[2], parts[4], parts[6]
    types, names = parts[7::2], parts[8::2]
    for depth in range(1, len(types) + 1):
        exists = registry.RESOURCE_EXISTS.get((namespace.lower(), "/".join(types[:depth]).lower()))
        if exists is None:
            return
        if not exists(sb, subscription, group, names[:depth]):
            path = "/".join(f"{t}/{n}" for t, n in zip(types[:depth], names[:depth]))
            raise errors.SCOPE_NOT_FOUND(namespace=namespace, path=path, group=group)


def subscription_of(scope: str) -> str | None:
    m = re.match(r"^/subscriptions/([^/]+)", scope, re.I)
    return m.group(1) if m else None


# --- role definitions ----------------------------------------------------------------------------

def role_definition_id(scope: str, role_id: str) -> str:
    """Built-in role ids as ARM returns them: at subscription scope when asked below the root."""
    sub = subscription_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"


def find_role(role_id: str) -> dict:
    role = rbac.builtin_roles().get(role_id.lower())
    if role is None:
        raise errors.ROLE_DEFINITION_NOT_FOUND(role_id=role_id)
    return role


def list_roles(filter_text: str | None) -> list[dict]:
    """`$filter` as the service takes it: roleName eq '…' (case-insensitive) or type eq '…'."""
    roles = list(rbac.builtin_roles().values())
    if not filter_text:
        return roles
    m = re.fullmatch(r"\s*(roleName|type)\s+eq\s+'(.*)'\s*", filter_text, re.I)
    if not m:
        raise errors.DEFINITION_FILTER_UNSUPPORTED(filter_text=filter_text)
    field = "roleName" if m.group(1).lower() == "rolename" else "roleType"
    return [r for r in roles if r[field].lower() == m.group(2).lower()]


# --- role assignments ----------------------------------------------------------------------------

def get_assignment(sb: Sandbox, name: str) -> dict | None:
    return sb.store.one("SELECT * FROM role_assignments WHERE name = ?", (name,))


def require_assignment(sb: Sandbox, scope: str, name: str) -> dict:
    row = get_assignment(sb, name)
    if row is None or row["scope_key"] != rbac.scope_key(scope):
        raise errors.ASSIGNMENT_NOT_FOUND(name=name)
    return row


def _required(props: dict, key: str) -> str:
    value = props.get(key)
    if not isinstance(value, str) or not value:
        raise errors.PROPERTY_REQUIRED(key=key)
    return value


def create_assignment(sb: Sandbox, caller, scope: str, name: str, body: dict, api_version: str) -> tuple[dict, bool]:
    """PUT a role assignment; returns (row, created). Re-PUTting the same assignment is a no-op."""
    if not _GUID.match(name):
        raise errors.ASSIGNMENT_NAME_NOT_GUID(name=name)
    scope = check_scope(sb, scope, api_version)
    require_resource(sb, scope)
    props = body.get("properties")
    if not isinstance(props, dict):
        raise errors.PROPERTIES_REQUIRED()
    for text in ("description", "condition", "conditionVersion", "principalType", "delegatedManagedIdentityResourceId"):
        optional_string(props, text, "properties")
    role_id = _required(props, "roleDefinitionId").rstrip("/").rsplit("/", 1)[-1]
    principal_id = _required(props, "principalId")
    if not _GUID.match(principal_id):
        raise errors.PRINCIPAL_ID_INVALID(principal_id=principal_id)
    if not _GUID.match(role_id) or role_id.lower() not in rbac.builtin_roles():
        raise errors.ASSIGNED_ROLE_DEFINITION_UNKNOWN(role_id=role_id)
    principal = directory.get(sb, principal_id)
    if principal is None:
        raise errors.PRINCIPAL_NOT_FOUND(principal_id=principal_id.replace('-', ''), tenant_id=sb.tenant_id)
    principal_type = props.get("principalType") or principal.type
    if principal_type not in PRINCIPAL_TYPES:
        raise errors.PRINCIPAL_TYPE_INVALID(principal_type=principal_type, values=', '.join(PRINCIPAL_TYPES))
    if principal_type != principal.type:
        raise errors.PRINCIPAL_TYPE_MISMATCH(principal_id=principal_id.replace("-", ""), type=principal.type,
                                             principal_type=principal_type)
    now = sb.clock.now()
    with sb.store.transaction():
        existing = get_assignment(sb, name)
        if existing is not None:
            if (existing["scope_key"], existing["principal_id"], existing["role_id"]) != \
                    (rbac.scope_key(scope), principal.object_id.lower(), role_id.lower()):
                raise errors.ASSIGNMENT_UPDATE_NOT_PERMITTED()
            sb.store.execute("UPDATE role_assignments SET description = ?, condition = ?, condition_version = ?, "
                             "updated = ?, updated_by = ? WHERE name = ?",
                             (props.get("description"), props.get("condition"), props.get("conditionVersion"),
                              now, caller.object_id, name))
            return present(get_assignment(sb, name), name), False
        twin = sb.store.one("SELECT name FROM role_assignments WHERE scope_key = ? AND principal_id = ? "
                            "AND role_id = ?", (rbac.scope_key(scope), principal.object_id.lower(), role_id.lower()))
        if twin is not None:
            raise errors.ASSIGNMENT_EXISTS(name=twin['name'].replace('-', ''))
        _insert(sb, name, scope, role_id, principal, principal_type, caller.object_id, now,
                effective=now + sb.config.rbac_delay, description=props.get("description"),
                condition=props.get("condition"), condition_version=props.get("conditionVersion"))
        return present(get_assignment(sb, name), name), True


def _insert(sb: Sandbox, name, scope, role_id, principal, principal_type, created_by, now, *, effective,
            description=None, condition=None, condition_version=None) -> None:
    sb.store.execute("INSERT INTO role_assignments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     (name.lower(), scope, rbac.scope_key(scope), role_id.lower(), principal.object_id.lower(),
                      principal_type, description, condition, condition_version, now, now, created_by,
                      created_by, effective))


def delete_assignment(sb: Sandbox, scope: str, name: str) -> dict | None:
    """The deleted assignment, or None when there was none (ARM then answers 204)."""
    with sb.store.transaction():
        row = get_assignment(sb, name)
        if row is None or row["scope_key"] != rbac.scope_key(scope):
            return None
        sb.store.execute("DELETE FROM role_assignments WHERE name = ?", (row["name"],))
    return row


def list_assignments(sb: Sandbox, scope: str, filter_text: str | None) -> list[dict]:
    """At, above and below the scope; `atScope()` drops those below; `principalId eq '…'` keeps the
    assignments made to that principal itself, `assignedTo('…')` those that apply to it, its groups'
    included ("List role assignments for a user, including ones inherited from groups":
    AZD role-based-access-control/role-assignments-list-rest.md)."""
    at_scope, principal, via_groups = _parse_filter(filter_text)
    ids = set(rbac.principal_ids(sb, principal) if via_groups else [principal.lower()]) if principal else None
    key = rbac.scope_key(scope)
    rows = sb.store.all("SELECT * FROM role_assignments ORDER BY created, name")
    result = []
    for row in rows:
        above = row["scope_key"] == "/" or row["scope_key"] == key or key.startswith(row["scope_key"] + "/")
        below = row["scope_key"].startswith(key + "/") or key == "/"
        if not (above or (below and not at_scope)):
            continue
        if ids is not None and row["principal_id"] not in ids:
            continue
        result.append(row)
    return result


def _parse_filter(filter_text: str | None) -> tuple[bool, str | None, bool]:
    at_scope, principal, via_groups = False, None, False
    for term in filter(None, re.split(r"\s+and\s+", (filter_text or "").strip(), flags=re.I)):
        m = re.fullmatch(r"principalId\s+eq\s+'([^']*)'|assignedTo\('([^']*)'\)", term, re.I)
        if term.lower() == "atscope()":
            at_scope = True
        elif m:
            principal, via_groups = m.group(1) or m.group(2), m.group(2) is not None
        else:
            raise errors.ASSIGNMENT_FILTER_UNSUPPORTED(filter_text=filter_text)
    return at_scope, principal, via_groups


@registry.seeder
def seed_learner_roles(sb: Sandbox) -> None:
    """The learner's role in each subscription (context.SUBSCRIPTIONS), effective at once."""
    learner = sb.learner
    by_name = {r["roleName"]: r["id"] for r in rbac.builtin_roles().values()}
    now = sb.clock.now()
    for sub in sb.subscriptions():
        _insert(sb, str(uuid.uuid4()), f"/subscriptions/{sub['subscription_id']}", by_name[sub["learner_role"]],
                learner, learner.type, None, now, effective=now)
