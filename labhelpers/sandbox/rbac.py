"""Azure RBAC: the role assignments table and the one evaluator both planes use.

Semantics (reference/azure-behavior-facts.md §D): a principal may do an action at a scope when some
assignment at that scope or an ancestor (segment-aligned, case-insensitive) has a role whose
permission block matches the action in `actions` and not in `notActions` (control plane), or in
`dataActions` and not in `notDataActions` (data plane). NotActions are no deny: another role may
still grant. Wildcards `*` span any characters, permission strings are case-insensitive.
With `--rbac-delay`, an assignment grants only from `created + delay` on the sandbox clock."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import conditions, registry
from .errors import AzureError

if TYPE_CHECKING:
    from .context import Sandbox

registry.schema("""
CREATE TABLE IF NOT EXISTS role_assignments (
  name            TEXT PRIMARY KEY COLLATE NOCASE,  -- the assignment's GUID (globally unique)
  scope           TEXT NOT NULL,                    -- as created (its case is kept for display)
  scope_key       TEXT NOT NULL,                    -- lower case, no trailing slash: for matching
  role_id         TEXT NOT NULL,                    -- role definition GUID, lower case
  principal_id    TEXT NOT NULL,                    -- lower case
  principal_type  TEXT NOT NULL,
  description     TEXT,
  condition       TEXT,
  condition_version TEXT,
  created         REAL NOT NULL,
  updated         REAL NOT NULL,
  created_by      TEXT,
  updated_by      TEXT,
  effective       REAL NOT NULL                     -- sandbox time from which it grants
);
CREATE INDEX IF NOT EXISTS role_assignments_principal ON role_assignments (principal_id, scope_key);
CREATE INDEX IF NOT EXISTS role_assignments_scope ON role_assignments (scope_key);
""")

_ROLES_FILE = Path(__file__).parent / "data" / "builtin-roles.json"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    assignment_id: str | None       # name (GUID) of the assignment that granted it


@lru_cache(maxsize=1)
def builtin_roles() -> dict[str, dict]:
    """The built-in role definitions by lower-case GUID (reference/builtin-roles.json)."""
    return {r["id"].lower(): r for r in json.loads(_ROLES_FILE.read_text())}


def scope_key(scope: str) -> str:
    return "/" + scope.strip("/").lower() if scope.strip("/") else "/"


@lru_cache(maxsize=4096)
def _pattern(permission: str) -> re.Pattern:
    """`*` matches anything; a `/*/` segment may also be empty, so `Microsoft.KeyVault/vaults/*/read`
    covers `vaults/read` as well as `vaults/keys/read` (Key Vault Reader reads the vault's metadata)."""
    regex = re.escape(permission).replace(r"/\*/", "/(?:.*/)?").replace(r"\*", ".*")
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL)


def _matches(patterns: list[str], action: str) -> bool:
    return any(_pattern(p).match(action) for p in patterns)


@cache
def role_conditions(role_id: str, action: str, data: bool) -> tuple[str, ...] | None:
    """The conditions under which the role's permission blocks grant `action` ("" for a block with
    none), or None when no block grants it."""
    role = builtin_roles().get(role_id.lower())
    if role is None:
        return None
    allow, deny = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    found = tuple(block.get("condition") or "" for block in role["permissions"]
                  if _matches(block.get(allow, []), action) and not _matches(block.get(deny, []), action))
    return found or None


def principal_ids(sb: Sandbox, principal_id: str) -> list[str]:
    """The principal and the groups it belongs to: whose role assignments apply to it."""
    from . import directory
    return [principal_id.lower(), *directory.groups_of(sb, principal_id)]


def _in(ids: list[str]) -> str:
    return "principal_id IN (" + ",".join("?" * len(ids)) + ")"


def role_grants(role_id: str, action: str, data: bool) -> bool:
    """Does the role grant `action` without any condition?"""
    return "" in (role_conditions(role_id, action, data) or ())


_KEY_SCOPE = re.compile(r"/providers/microsoft\.keyvault/vaults/[^/]+/keys/([^/]+)$", re.IGNORECASE)


def scope_attributes(scope: str) -> dict[str, str]:
    """The @Resource attributes the scope itself names: a key's name (Key Vault's attribute in
    key-vault/general/rbac-guide.md and the ABAC examples of conditions-format.md)."""
    m = _KEY_SCOPE.search(scope.rstrip("/"))
    return {"@Resource[Microsoft.KeyVault/vaults/keys:name]": m.group(1)} if m else {}


def _allows(condition: str, action: str, attributes: dict) -> bool:
    return not condition or conditions.holds(condition, action, attributes, lambda p, a: bool(_pattern(p).match(a)))


def evaluate(sb: Sandbox, principal_id: str, action: str, scope: str, *, data: bool,
             attributes: dict | None = None) -> Decision:
    """ABAC: a block's condition (the role definition's) and the assignment's condition must hold
    for the request's attributes; an unsupported condition denies (conditions.py)."""
    key = scope_key(scope)
    ids = principal_ids(sb, principal_id)
    rows = sb.store.all(
        f"SELECT name, role_id, condition FROM role_assignments WHERE {_in(ids)} AND effective <= ? "
        "AND (scope_key = '/' OR scope_key = ? OR substr(?, 1, length(scope_key) + 1) = scope_key || '/') "
        "ORDER BY length(scope_key) DESC, name",
        (*ids, sb.clock.now(), key, key))
    attrs = {**scope_attributes(scope), **(attributes or {})}
    for row in rows:
        blocks = role_conditions(row["role_id"], action, data)
        if blocks and any(_allows(c, action, attrs) for c in blocks) and _allows(row["condition"], action, attrs):
            return Decision(True, row["name"])
    return Decision(False, None)


def require_arm(sb: Sandbox, caller, action: str, scope: str, attributes: dict | None = None) -> None:
    """403 AuthorizationFailed, in Azure's words (facts §D2), unless the caller may do `action`."""
    if evaluate(sb, caller.object_id, action, scope, data=False, attributes=attributes).allowed:
        return
    who = caller.upn or caller.object_id
    # Role-assignment writes name ABAC conditions too (role-based-access-control/troubleshooting.md).
    abac = " or an ABAC condition not fulfilled" if action.lower().startswith(
        "microsoft.authorization/roleassignments/") else ""
    raise AzureError(403, "AuthorizationFailed",
                     f"The client '{who}' with object id '{caller.object_id}' does not have authorization{abac} "
                     f"to perform action '{action}' over scope '{scope}' or the scope is invalid. If access "
                     "was recently granted, please refresh your credentials.")


_UNDER = "(scope_key = ? OR substr(scope_key, 1, ?) = ?)"     # at the scope or below it


def _under(scope: str) -> tuple:
    key = scope_key(scope)
    return key, len(key) + 1, key + "/"


def has_assignment_under(sb: Sandbox, principal_id: str, scope: str) -> bool:
    """Does the principal hold any effective role at `scope` or below (or at the root)?"""
    ids = principal_ids(sb, principal_id)
    return sb.store.one(f"SELECT 1 FROM role_assignments WHERE {_in(ids)} AND effective <= ? "
                        f"AND (scope_key = '/' OR {_UNDER})",
                        (*ids, sb.clock.now(), *_under(scope))) is not None


def delete_assignments_under(sb: Sandbox, scope: str) -> int:
    """Remove the assignments at `scope` and below (a deleted resource takes its assignments with it;
    soft-deleting a vault does too, facts §B2). Returns how many were removed."""
    with sb.store.transaction():
        cur = sb.store.execute(f"DELETE FROM role_assignments WHERE {_UNDER}", _under(scope))
    return cur.rowcount
