"""Microsoft.KeyVault on ARM: the vault routes and their wire format (wire contract §4, the
2026-05-15 spec in azure-rest-specs/Microsoft.KeyVault)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog
from ...clock import iso
from ...http import Response, ok, page
from ...registry import resource_lister
from ...routing import ARM
from ...store import loads
from ..resources.models import require_group
from . import errors, models

if TYPE_CHECKING:
    from ...context import Sandbox

_SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault"
_RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault"


def to_json(r: dict) -> dict:
    props = loads(r["properties"])
    props.update(vaultUri=f"https://{r['key']}.vault.azure.net/", provisioningState="Succeeded")
    return {"id": models.vault_id(r["subscription_id"], r["resource_group"], r["name"]), "name": r["name"],
            "type": models.TYPE, "location": r["location"], "tags": loads(r["tags"]),
            "systemData": loads(r["system_data"]), "properties": props}


def deleted_json(r: dict) -> dict:
    props = loads(r["properties"])
    return {"id": f"/subscriptions/{r['subscription_id']}/providers/Microsoft.KeyVault/locations/{r['location']}"
                  f"/deletedVaults/{r['name']}",
            "name": r["name"], "type": "Microsoft.KeyVault/deletedVaults",
            "properties": {"vaultId": models.vault_id(r["subscription_id"], r["resource_group"], r["name"]),
                           "location": r["location"], "deletionDate": iso(r["deleted"]),
                           "scheduledPurgeDate": iso(r["purge_at"]), "tags": loads(r["tags"]),
                           "purgeProtectionEnabled": bool(props.get("enablePurgeProtection"))}}


@resource_lister
def _generic_resources(sb: Sandbox, subscription_id: str, group: str | None) -> list[dict]:
    """Live vaults as ARM's generic list shows them (no properties: the sku is one of them)."""
    return [{k: v for k, v in to_json(r).items() if k in ("id", "name", "type", "location", "tags")}
            for r in models.live(sb, subscription_id, group)]


def _route(method: str, pattern: str, action: str, type_name: str = "vaults", **kw):
    return ARM.route(method, pattern, action=action,
                     api_versions=catalog.api_versions("Microsoft.KeyVault", type_name),
                     version_error=catalog.version_error("Microsoft.KeyVault", type_name), **kw)


@_route("POST", _SUB + "/checkNameAvailability", "Microsoft.KeyVault/checkNameAvailability/read",
        "checkNameAvailability", name="VaultCheckNameAvailability")
def check_name_availability(sb: Sandbox, req, subscriptionId):
    body = req.json_object()
    if str(body.get("type", "")).lower() != models.TYPE.lower():
        raise errors.NAME_CHECK_TYPE_INVALID(type=body.get('type'), type2=models.TYPE)
    return ok(models.check_name(sb, body.get("name")))


@_route("PUT", _RG + "/vaults/{vaultName}", "Microsoft.KeyVault/vaults/write", name="VaultPut")
def put_vault(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName):
    group = require_group(sb, subscriptionId, resourceGroupName)
    vault, _ = models.create_or_update(sb, req.caller, subscriptionId, group.get("name", resourceGroupName),
                                       vaultName, req.json_object(), req.api_version)
    # 200 whether created or updated, as Azure answers (azure-cli keyvault recordings); with
    # provisioningState Succeeded the SDK's LRO poller is done at once (wire contract §5).
    return ok(to_json(vault))


@_route("PATCH", _RG + "/vaults/{vaultName}", "Microsoft.KeyVault/vaults/write", name="VaultPatch")
def patch_vault(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName):
    require_group(sb, subscriptionId, resourceGroupName)
    return ok(to_json(models.update(sb, req.caller, subscriptionId, resourceGroupName, vaultName,
                                    req.json_object())))


@_route("GET", _RG + "/vaults/{vaultName}", "Microsoft.KeyVault/vaults/read", name="VaultGet")
def get_vault(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName):
    require_group(sb, subscriptionId, resourceGroupName)
    r = models.live_in_group(sb, subscriptionId, resourceGroupName, vaultName)
    if r is None:
        raise models.not_found(vaultName, resourceGroupName)
    return ok(to_json(r))


@_route("DELETE", _RG + "/vaults/{vaultName}", "Microsoft.KeyVault/vaults/delete", name="VaultDelete")
def delete_vault(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName):
    require_group(sb, subscriptionId, resourceGroupName)
    r = models.live_in_group(sb, subscriptionId, resourceGroupName, vaultName)
    if r is None:
        return Response(204)
    models.soft_delete(sb, r)
    return Response(200)


@_route("GET", _RG + "/vaults", "Microsoft.KeyVault/vaults/read", name="VaultList")
def list_by_group(sb: Sandbox, req, subscriptionId, resourceGroupName):
    require_group(sb, subscriptionId, resourceGroupName)
    return ok(page([to_json(r) for r in models.live(sb, subscriptionId, resourceGroupName)], req))


@_route("GET", _SUB + "/vaults", "Microsoft.KeyVault/vaults/read", name="VaultList")
def list_by_subscription(sb: Sandbox, req, subscriptionId):
    return ok(page([to_json(r) for r in models.live(sb, subscriptionId)], req))


@_route("GET", _SUB + "/deletedVaults", "Microsoft.KeyVault/deletedVaults/read", "deletedVaults",
        name="VaultListDeleted")
def list_deleted(sb: Sandbox, req, subscriptionId):
    return ok({"value": [deleted_json(r) for r in models.deleted(sb, subscriptionId)]})


@_route("GET", _SUB + "/locations/{location}/deletedVaults/{vaultName}",
        "Microsoft.KeyVault/locations/deletedVaults/read", "locations/deletedVaults", name="VaultGetDeleted")
def get_deleted(sb: Sandbox, req, subscriptionId, location, vaultName):
    return ok(deleted_json(models.find_deleted(sb, subscriptionId, vaultName, location)))


@_route("POST", _SUB + "/locations/{location}/deletedVaults/{vaultName}/purge",
        "Microsoft.KeyVault/locations/deletedVaults/purge/action", "locations/deletedVaults", name="VaultPurge")
def purge_deleted(sb: Sandbox, req, subscriptionId, location, vaultName):
    models.purge_deleted(sb, subscriptionId, vaultName, location)
    return Response(200)      # synchronous: the SDK's purge poller ends without polling
