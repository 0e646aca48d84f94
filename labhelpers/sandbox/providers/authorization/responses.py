"""Wire format and routes of Microsoft.Authorization (wire contract §7; shapes from
azure-rest-specs/Microsoft.Authorization/2022-04-01). A scope is any ARM id, so the patterns let
`scope` span several segments (or none: the tenant root)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog
from ...clock import iso
from ...errors import AzureError
from ...http import Response, ok
from ...routing import ARM
from . import models

if TYPE_CHECKING:
    from ...context import Sandbox

_SCOPE = "{scope*}/providers/Microsoft.Authorization"
DEFINITIONS = _SCOPE + "/roleDefinitions"
ASSIGNMENTS = _SCOPE + "/roleAssignments"
_DEF_VERSIONS = dict(api_versions=catalog.api_versions("Microsoft.Authorization", "roleDefinitions"),
                     version_error=catalog.version_error("Microsoft.Authorization", "roleDefinitions"))
_RA_VERSIONS = dict(api_versions=catalog.api_versions("Microsoft.Authorization", "roleAssignments"),
                    version_error=catalog.version_error("Microsoft.Authorization", "roleAssignments"))


BUILTIN_CREATED, BUILTIN_UPDATED = "2015-02-02T21:55:09.8806423Z", "2024-01-01T00:00:00.0000000Z"


def _definition_json(scope: str, role: dict) -> dict:
    return {"id": models.role_definition_id(scope, role["id"]), "name": role["id"],
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {"roleName": role["roleName"], "type": role["roleType"],
                           "description": role["description"], "assignableScopes": role["assignableScopes"],
                           "permissions": [{k: block.get(k, []) for k in
                                            ("actions", "notActions", "dataActions", "notDataActions")}
                                           for block in role["permissions"]],
                           # Built-in roles carry their dates and no author, as ARM returns them
                           # (spec 2022-04-01 RoleDefinitionProperties); the dates are the sandbox's.
                           "createdOn": BUILTIN_CREATED, "updatedOn": BUILTIN_UPDATED,
                           "createdBy": None, "updatedBy": None}}


def _assignment_json(row: dict) -> dict:
    scope = row["scope"]
    return {"id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{row['name']}",
            "name": row["name"], "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": models.role_definition_id(scope, row["role_id"]),
                           "principalId": row["principal_id"], "principalType": row["principal_type"],
                           "scope": scope, "condition": row["condition"],
                           "conditionVersion": row["condition_version"], "description": row["description"],
                           "createdOn": iso(row["created"]), "updatedOn": iso(row["updated"]),
                           "createdBy": row["created_by"], "updatedBy": row["updated_by"],
                           "delegatedManagedIdentityResourceId": None}}


# Role definitions are readable by every principal of the tenant, at any scope (no action to check).

@ARM.route("GET", DEFINITIONS, **_DEF_VERSIONS)
def list_role_definitions(sb: Sandbox, req, scope):
    return ok({"value": [_definition_json(scope, r) for r in models.list_roles(req.arg("$filter"))]})


@ARM.route("GET", DEFINITIONS + "/{roleDefinitionId}", **_DEF_VERSIONS)
def get_role_definition(sb: Sandbox, req, scope, roleDefinitionId):
    return ok(_definition_json(scope, models.find_role(roleDefinitionId)))


@ARM.route("GET", ASSIGNMENTS, action="Microsoft.Authorization/roleAssignments/read", **_RA_VERSIONS)
def list_role_assignments(sb: Sandbox, req, scope):
    scope = models.check_scope(sb, scope, req.api_version)
    return ok({"value": [_assignment_json(r) for r in models.list_assignments(sb, scope, req.arg("$filter"))]})


def _abac_attributes(sb: Sandbox, req, params) -> dict:
    """What ABAC conditions on role-assignment writes and deletes read (delegate-role-assignments-
    overview.md): the assignment asked for (@Request) and the one that exists (@Resource)."""
    found = {}
    row = sb.store.one("SELECT role_id, principal_id, principal_type FROM role_assignments WHERE name = ?",
                       (params.get("roleAssignmentName", ""),))
    if row:
        found.update({f"@Resource[{_RA}:RoleDefinitionId]": row["role_id"],
                      f"@Resource[{_RA}:PrincipalId]": row["principal_id"],
                      f"@Resource[{_RA}:PrincipalType]": row["principal_type"]})
    if req.method == "PUT":
        try:
            props = req.json_object().get("properties")
        except AzureError:
            props = None
        if isinstance(props, dict):
            for name, field in (("RoleDefinitionId", "roleDefinitionId"), ("PrincipalId", "principalId"),
                                ("PrincipalType", "principalType")):
                value = props.get(field)
                if isinstance(value, str):
                    found[f"@Request[{_RA}:{name}]"] = value.rstrip("/").rsplit("/", 1)[-1] \
                        if field == "roleDefinitionId" else value
    return found


_RA = "Microsoft.Authorization/roleAssignments"


@ARM.route("PUT", ASSIGNMENTS + "/{roleAssignmentName}", action="Microsoft.Authorization/roleAssignments/write",
           attributes=_abac_attributes, **_RA_VERSIONS)
def create_role_assignment(sb: Sandbox, req, scope, roleAssignmentName):
    row, created = models.create_assignment(sb, req.caller, scope, roleAssignmentName, req.json_object(),
                                            req.api_version)
    return ok(_assignment_json(row), 201 if created else 200)


@ARM.route("GET", ASSIGNMENTS + "/{roleAssignmentName}", action="Microsoft.Authorization/roleAssignments/read",
           **_RA_VERSIONS)
def get_role_assignment(sb: Sandbox, req, scope, roleAssignmentName):
    scope = models.check_scope(sb, scope, req.api_version)
    return ok(_assignment_json(models.require_assignment(sb, scope, roleAssignmentName)))


@ARM.route("DELETE", ASSIGNMENTS + "/{roleAssignmentName}",
           action="Microsoft.Authorization/roleAssignments/delete", attributes=_abac_attributes, **_RA_VERSIONS)
def delete_role_assignment(sb: Sandbox, req, scope, roleAssignmentName):
    scope = models.check_scope(sb, scope, req.api_version)
    row = models.delete_assignment(sb, scope, roleAssignmentName)
    return ok(_assignment_json(row)) if row else Response(204)
