"""The tenant's directory (Entra ID, as far as the lab needs it): the learner (a user), the
service principals of managed identities, which resource providers create and remove with the
resources that own them, and security groups (a role assigned to a group applies to its members,
nested groups included: AZD role-based-access-control/overview.md)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import registry

if TYPE_CHECKING:
    from .context import Sandbox

TENANT_DOMAIN = "cmklab.onmicrosoft.com"     # the sandbox tenant's domain (user names, GET /tenants)

registry.schema("""
CREATE TABLE IF NOT EXISTS principals (
  object_id    TEXT PRIMARY KEY,
  app_id       TEXT NOT NULL,             -- client id (users: the app they signed in with)
  type         TEXT NOT NULL,              -- User | ServicePrincipal
  display_name TEXT NOT NULL,
  upn          TEXT,
  mi_resource_id TEXT,                     -- ARM id of the identity (xms_mirid) for managed identities
  created      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS principals_app ON principals (app_id COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS principals_mi ON principals (mi_resource_id COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS group_members (
  group_id     TEXT NOT NULL COLLATE NOCASE,
  member_id    TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (group_id, member_id)
);
""")

# The learner's tokens carry the Azure CLI's application id, as a user signed in with `az login`.
AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


@dataclass(frozen=True)
class Principal:
    object_id: str
    app_id: str
    type: str
    display_name: str
    upn: str | None = None
    mi_resource_id: str | None = None

    @property
    def is_user(self) -> bool:
        return self.type == "User"


def _principal(row: dict) -> Principal:
    return Principal(row["object_id"], row["app_id"], row["type"], row["display_name"], row["upn"],
                     row["mi_resource_id"])


def _maybe(row: dict | None) -> Principal | None:
    return None if row is None else _principal(row)


def add_user(sb: Sandbox, display_name: str, upn: str, object_id: str | None = None) -> Principal:
    object_id = object_id or str(uuid.uuid4())
    with sb.store.transaction():
        sb.store.execute("INSERT INTO principals VALUES (?,?,?,?,?,?,?)",
                         (object_id, AZURE_CLI_APP_ID, "User", display_name, upn, None, sb.clock.now()))
    return Principal(object_id, AZURE_CLI_APP_ID, "User", display_name, upn, None)


def add_managed_identity(sb: Sandbox, resource_id: str, display_name: str) -> Principal:
    """The service principal behind a system-assigned identity: its xms_mirid is the resource id."""
    object_id, app_id = str(uuid.uuid4()), str(uuid.uuid4())
    with sb.store.transaction():
        sb.store.execute("INSERT INTO principals VALUES (?,?,?,?,?,?,?)",
                         (object_id, app_id, "ServicePrincipal", display_name, None, resource_id,
                          sb.clock.now()))
    return Principal(object_id, app_id, "ServicePrincipal", display_name, None, resource_id)


def add_group(sb: Sandbox, display_name: str, members: list[str]) -> Principal:
    """A security group with these members (object ids of users, service principals or groups)."""
    object_id = str(uuid.uuid4())
    with sb.store.transaction():
        sb.store.execute("INSERT INTO principals VALUES (?,?,?,?,?,?,?)",
                         (object_id, "", "Group", display_name, None, None, sb.clock.now()))
        for member in members:
            sb.store.execute("INSERT INTO group_members VALUES (?, ?)", (object_id, member))
    return Principal(object_id, "", "Group", display_name, None, None)


def groups_of(sb: Sandbox, object_id: str) -> list[str]:
    """The groups a principal belongs to, directly or through nested groups (lower-case object ids)."""
    found: list[str] = []
    todo = [object_id]
    while todo:
        for row in sb.store.all("SELECT group_id FROM group_members WHERE member_id = ?", (todo.pop(),)):
            group = row["group_id"].lower()
            if group not in found:
                found.append(group)
                todo.append(group)
    return found


def get(sb: Sandbox, object_id: str) -> Principal | None:
    return _maybe(sb.store.one("SELECT * FROM principals WHERE object_id = ? COLLATE NOCASE",
                                   (object_id,)))


def all_principals(sb: Sandbox) -> list[Principal]:
    return [_principal(r) for r in sb.store.all("SELECT * FROM principals ORDER BY created, object_id")]


def find(sb: Sandbox, *, object_id: str | None = None, client_id: str | None = None,
         mi_resource_id: str | None = None) -> Principal | None:
    if object_id:
        return get(sb, object_id)
    if client_id:
        return _maybe(sb.store.one(
            "SELECT * FROM principals WHERE app_id = ? COLLATE NOCASE AND type = 'ServicePrincipal'",
            (client_id,)))
    if mi_resource_id:
        return _maybe(sb.store.one(
            "SELECT * FROM principals WHERE mi_resource_id = ? COLLATE NOCASE",
            (mi_resource_id.rstrip("/"),)))
    return None


def remove(sb: Sandbox, object_id: str) -> None:
    with sb.store.transaction():
        sb.store.execute("DELETE FROM principals WHERE object_id = ?", (object_id,))


def remove_under(sb: Sandbox, resource_prefix: str) -> int:
    """Remove the managed identities whose resource id lies under `resource_prefix` (a deleted group)."""
    prefix = resource_prefix.rstrip("/").lower() + "/"
    with sb.store.transaction():
        cur = sb.store.execute("DELETE FROM principals WHERE lower(substr(mi_resource_id, 1, ?)) = ?",
                               (len(prefix), prefix))
    return cur.rowcount
