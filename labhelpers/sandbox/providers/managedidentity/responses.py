"""Microsoft.ManagedIdentity on ARM: the userAssignedIdentities routes (UserAssignedIdentities_CreateOrUpdate,
_Update, _Get, _Delete, _ListByResourceGroup, _ListBySubscription of the REST spec: PUT 200/201, PATCH 200,
GET 200, DELETE 200 or 204 when it does not exist)."""
from __future__ import annotations

from ... import catalog
from ...http import Response, ok, page
from ...routing import ARM
from . import models

_SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
_RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/" \
      "userAssignedIdentities"
_A = "Microsoft.ManagedIdentity/userAssignedIdentities/"


def _route(method: str, pattern: str, action: str, name: str):
    return ARM.route(method, pattern, action=_A + action, name=name,
                     api_versions=catalog.api_versions(models.NAMESPACE, "userAssignedIdentities"),
                     version_error=catalog.version_error(models.NAMESPACE, "userAssignedIdentities"))


@_route("PUT", _RG + "/{resourceName}", "write", "UserAssignedIdentities_CreateOrUpdate")
def put_identity(sb, req, subscriptionId, resourceGroupName, resourceName):
    row, created = models.create_or_update(sb, subscriptionId, resourceGroupName, resourceName, req.json_object())
    return ok(models.to_json(sb, row, req.api_version), 201 if created else 200)


@_route("PATCH", _RG + "/{resourceName}", "write", "UserAssignedIdentities_Update")
def patch_identity(sb, req, subscriptionId, resourceGroupName, resourceName):
    row = models.update(sb, subscriptionId, resourceGroupName, resourceName, req.json_object())
    return ok(models.to_json(sb, row, req.api_version))


@_route("GET", _RG + "/{resourceName}", "read", "UserAssignedIdentities_Get")
def get_identity(sb, req, subscriptionId, resourceGroupName, resourceName):
    return ok(models.to_json(sb, models.require(sb, subscriptionId, resourceGroupName, resourceName), req.api_version))


@_route("DELETE", _RG + "/{resourceName}", "delete", "UserAssignedIdentities_Delete")
def delete_identity(sb, req, subscriptionId, resourceGroupName, resourceName):
    return Response(200 if models.delete_if_present(sb, subscriptionId, resourceGroupName, resourceName) else 204)


@_route("GET", _RG, "read", "UserAssignedIdentities_ListByResourceGroup")
def list_by_group(sb, req, subscriptionId, resourceGroupName):
    rows = models.list_in_group(sb, subscriptionId, resourceGroupName)
    return ok(page([models.to_json(sb, r, req.api_version) for r in rows], req))


@_route("GET", _SUB, "read", "UserAssignedIdentities_ListBySubscription")
def list_by_subscription(sb, req, subscriptionId):
    return ok(page([models.to_json(sb, r, req.api_version) for r in models.list_rows(sb, subscriptionId)], req))
