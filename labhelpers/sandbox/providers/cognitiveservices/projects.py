"""Projects of an account (Microsoft.CognitiveServices/accounts/projects): their rules (facts §C5), their
identities, and the account's default project."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import directory, rbac, regions, registry
from ...store import dumps, present
from ..resources.models import require_group
from . import errors
from .models import (NAMESPACE, Account, Project, check_name, identity_block, valid_tags, get_account, get_project,
                     has_system_identity, list_projects, require_project)

if TYPE_CHECKING:
    from ...context import Sandbox

def parent_account(sb: Sandbox, subscription_id: str, group: str, name: str) -> Account:
    require_group(sb, subscription_id, group)
    account = get_account(sb, subscription_id, group, name)
    if account is None:
        # ARM's answer for a child of a missing parent
        raise errors.PARENT_ACCOUNT_NOT_FOUND(name=name)
    return account


def _project_rules(account: Account) -> None:
    """Projects need allowProjectManagement, kind AIServices, a managed identity and a custom
    subdomain (facts §C5, from the azurerm project resource docs)."""
    missing = []
    if account.doc["kind"] != "AIServices":
        missing.append(f"kind is '{account.doc['kind']}', not 'AIServices'")
    if not account.properties.get("allowProjectManagement"):
        missing.append("properties.allowProjectManagement is not true")
    if not account.doc.get("identity"):
        missing.append("the account has no managed identity")
    if not account.properties.get("customSubDomainName"):
        missing.append("properties.customSubDomainName is not set")
    if missing:
        raise errors.PROJECT_MANAGEMENT_NOT_ENABLED(name=account.name, values='; '.join(missing))


def put_project(sb: Sandbox, account: Account, name: str, body: dict, *, patch: bool) -> tuple[Project, bool]:
    """PUT (create or update) or PATCH a project. The first project becomes the account's default."""
    check_name(name, "project")
    current = get_project(sb, account, name)
    if current is None and patch:
        require_project(sb, account, name)
    if current is None:
        _project_rules(account)
    given = body.get("properties") or {}
    if not isinstance(given, dict):
        raise errors.PROPERTIES_NOT_OBJECT()
    if body.get("location") and regions.normalize(body["location"]) != account.location:
        raise errors.PROJECT_LOCATION_NOT_ACCOUNTS(location=account.location, location2=body['location'])
    doc = dict(current.doc) if current else {"tags": {}, "properties": {}, "identity": None}
    if "tags" in body:
        doc["tags"] = valid_tags(body["tags"])
    props = dict(doc["properties"])
    for key in ("displayName", "description"):
        if key in given:
            if given[key] is not None and not isinstance(given[key], str):
                raise errors.PROPERTY_NOT_STRING(key=key)
            props[key] = given[key]
    doc["properties"] = props
    identity = identity_block(sb, body.get("identity"), doc.get("identity"))
    doc["identity"] = identity if identity and identity["type"] != "None" else None
    had_system = bool(current and current.principal_id)
    with sb.store.transaction():
        principal_id = current.principal_id if current else None
        if had_system and not has_system_identity(identity):
            directory.remove(sb, present(principal_id, name))
            principal_id = None
        if has_system_identity(identity) and not had_system:
            principal_id = directory.add_managed_identity(sb, f"{account.id}/projects/{name}", name).object_id
        if current is None:
            sb.store.execute("INSERT INTO cs_projects VALUES (?,?,?,?,?,?,?)",
                             (account.subscription_id, account.resource_group, account.name, name, dumps(doc),
                              principal_id, sb.clock.now()))
            if not account.properties.get("defaultProject"):
                _write_default(sb, account, name)
        else:
            sb.store.execute("UPDATE cs_projects SET doc = ?, principal_id = ? WHERE subscription_id = ? AND "
                             "resource_group = ? AND account = ? AND name = ?",
                             (dumps(doc), principal_id, account.subscription_id, account.resource_group,
                              account.name, name))
    account = present(get_account(sb, account.subscription_id, account.resource_group, account.name), account.name)
    return present(get_project(sb, account, name), name), current is None


def delete_project(sb: Sandbox, account: Account, name: str) -> None:
    """Delete a project; if it was the default, the oldest remaining project becomes the default."""
    project = require_project(sb, account, name)
    with sb.store.transaction():
        drop(sb, project)
        if project.is_default:
            rest = list_projects(sb, account)
            _write_default(sb, account, rest[0].name if rest else None)


def drop(sb: Sandbox, project: Project) -> None:
    if project.principal_id:
        directory.remove(sb, project.principal_id)
    rbac.delete_assignments_under(sb, project.id)
    a = project.account
    sb.store.execute("DELETE FROM cs_projects WHERE subscription_id = ? AND resource_group = ? AND account = ? "
                     "AND name = ?", (a.subscription_id, a.resource_group, a.name, project.name))


def _write_default(sb: Sandbox, account: Account, name: str | None) -> None:
    doc = present(get_account(sb, account.subscription_id, account.resource_group, account.name), account.name).doc
    if name:
        doc["properties"]["defaultProject"] = name
    else:
        doc["properties"].pop("defaultProject", None)
    sb.store.execute("UPDATE cs_accounts SET doc = ? WHERE subscription_id = ? AND resource_group = ? AND name = ? "
                     "AND deleted IS NULL", (dumps(doc), account.subscription_id, account.resource_group, account.name))



@registry.resource_exists(NAMESPACE, "accounts/projects")
def _project_exists(sb: Sandbox, subscription_id: str, group: str, names: list[str]) -> bool:
    account = get_account(sb, subscription_id, group, names[0])
    return account is not None and get_project(sb, account, names[1]) is not None
