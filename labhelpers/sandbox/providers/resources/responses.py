"""Wire format and routes of ARM core: subscriptions, locations, providers and resource groups
(shapes from azure-rest-specs/Microsoft.Resources 2022-12-01 and 2025-04-01)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog, regions
from ...directory import TENANT_DOMAIN
from ...http import Response, ok, page
from ...routing import ARM
from . import errors, models
from ...store import present

if TYPE_CHECKING:
    from ...context import Sandbox

VERSIONS = catalog.api_versions("Microsoft.Resources", "resourceGroups")
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourcegroups/{resourceGroupName}"
# ARM's own action names (they appear lower-case in its AuthorizationFailed messages).
RG_READ = "Microsoft.Resources/subscriptions/resourcegroups/read"
RG_WRITE = "Microsoft.Resources/subscriptions/resourcegroups/write"
RG_DELETE = "Microsoft.Resources/subscriptions/resourcegroups/delete"
JOB_PREFIX = "RESOURCEGROUPDELETIONJOB-"      # ARM's job id for a group delete

# regionalDisplayName is "(<geography group>) <display name>", as GET /locations shows it.
_GEOGRAPHY_GROUP = {"United States": "US", "Canada": "Canada", "Brazil": "South America", "UAE": "Middle East",
                    "South Africa": "Africa", **dict.fromkeys(("Australia", "Japan", "Korea", "India",
                                                               "Asia Pacific"), "Asia Pacific"),
                    **dict.fromkeys(("Europe", "United Kingdom", "France", "Germany", "Switzerland", "Norway",
                                     "Sweden", "Poland", "Italy"), "Europe")}


def _subscription_json(sb: Sandbox, sub: dict) -> dict:
    return {"id": f"/subscriptions/{sub['subscription_id']}", "authorizationSource": "RoleBased",
            "managedByTenants": [], "subscriptionId": sub["subscription_id"], "tenantId": sb.tenant_id,
            "displayName": sub["display_name"], "state": sub["state"],
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                     "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}


def _location_json(subscription_id: str, region: tuple) -> dict:
    name, display, geography, latitude, longitude, paired = region
    group = _GEOGRAPHY_GROUP[geography]
    metadata = {"regionType": "Physical", "regionCategory": "Recommended", "geography": geography,
                "geographyGroup": group, "longitude": longitude, "latitude": latitude,
                "pairedRegion": [{"name": paired, "id": f"/subscriptions/{subscription_id}/locations/{paired}"}]
                if paired else []}
    return {"id": f"/subscriptions/{subscription_id}/locations/{name}", "name": name, "type": "Region",
            "displayName": display, "regionalDisplayName": f"({group}) {display}", "metadata": metadata}


def _group_json(subscription_id: str, group: dict) -> dict:
    body = {"id": models.group_id(subscription_id, group["name"]), "name": group["name"],
            "type": "Microsoft.Resources/resourceGroups", "location": group["location"],
            "properties": {"provisioningState": "Succeeded"}}
    if group["tags"] is not None:
        body["tags"] = group["tags"]
    if group["managed_by"]:
        body["managedBy"] = group["managed_by"]
    return body


def _sub_id(sb: Sandbox, subscription_id: str) -> str:
    """The subscription id as created (app.py has already answered 404 for an unknown one)."""
    return present(sb.subscription(subscription_id), subscription_id)["subscription_id"]


# --- subscriptions -------------------------------------------------------------------------------

@ARM.route("GET", "/subscriptions", api_versions=VERSIONS)
def list_subscriptions(sb: Sandbox, req):
    subs = models.visible_subscriptions(sb, req.caller.object_id)
    return ok({"value": [_subscription_json(sb, s) for s in subs]})


@ARM.route("GET", "/tenants", api_versions=VERSIONS)
def list_tenants(sb: Sandbox, req):
    """The caller's home tenant (GET /tenants, SubscriptionClient.tenants.list)."""
    return ok({"value": [{"id": f"/tenants/{sb.tenant_id}", "tenantId": sb.tenant_id, "tenantCategory": "Home",
                          "displayName": "CMK Lab", "defaultDomain": TENANT_DOMAIN, "domains": [TENANT_DOMAIN],
                          "tenantType": "AAD"}]})


@ARM.route("GET", SUB, action="Microsoft.Resources/subscriptions/read", api_versions=VERSIONS)
def get_subscription(sb: Sandbox, req, subscriptionId):
    return ok(_subscription_json(sb, present(sb.subscription(subscriptionId), subscriptionId)))


@ARM.route("GET", SUB + "/locations", action="Microsoft.Resources/subscriptions/locations/read",
           api_versions=VERSIONS)
def list_locations(sb: Sandbox, req, subscriptionId):
    sub_id = _sub_id(sb, subscriptionId)
    return ok({"value": [_location_json(sub_id, r) for r in regions.REGIONS]})


# --- providers -----------------------------------------------------------------------------------

@ARM.route("GET", SUB + "/providers", action="Microsoft.Resources/subscriptions/providers/read",
           api_versions=VERSIONS)
def list_providers(sb: Sandbox, req, subscriptionId):
    return ok({"value": catalog.providers_json(_sub_id(sb, subscriptionId))})


def _provider(sb: Sandbox, subscription_id: str, namespace: str) -> dict:
    body = catalog.provider_json(_sub_id(sb, subscription_id), namespace)
    if body is None:
        raise errors.NAMESPACE_INVALID(namespace=namespace)
    return body


@ARM.route("GET", SUB + "/providers/{resourceProviderNamespace}",
           action="Microsoft.Resources/subscriptions/providers/read", api_versions=VERSIONS)
def get_provider(sb: Sandbox, req, subscriptionId, resourceProviderNamespace):
    return ok(_provider(sb, subscriptionId, resourceProviderNamespace))


@ARM.route("POST", SUB + "/providers/{resourceProviderNamespace}/register",
           action=lambda req, p: f"{p['resourceProviderNamespace']}/register/action", api_versions=VERSIONS)
def register_provider(sb: Sandbox, req, subscriptionId, resourceProviderNamespace):
    return ok(_provider(sb, subscriptionId, resourceProviderNamespace))       # always Registered already


# --- resources (the generic list) ------------------------------------------------------------------
# Authorised at the subscription or group itself, with ARM's own actions (they appear in its
# AuthorizationFailed messages over scope '/subscriptions/s/resourceGroups/rg').

@ARM.route("GET", SUB + "/resources", action="Microsoft.Resources/subscriptions/resources/read",
           scope=lambda req, p: f"/subscriptions/{p['subscriptionId']}", api_versions=VERSIONS)
def list_resources(sb: Sandbox, req, subscriptionId):
    sub_id = _sub_id(sb, subscriptionId)
    return ok(page(models.list_resources(sb, sub_id, None, req.arg("$filter")), req))


@ARM.route("GET", RG + "/resources", action="Microsoft.Resources/subscriptions/resourceGroups/resources/read",
           scope=lambda req, p: models.group_id(p["subscriptionId"], p["resourceGroupName"]), api_versions=VERSIONS)
def list_group_resources(sb: Sandbox, req, subscriptionId, resourceGroupName):
    sub_id = _sub_id(sb, subscriptionId)
    group = models.require_group(sb, sub_id, resourceGroupName)["name"]
    return ok(page(models.list_resources(sb, sub_id, group, req.arg("$filter")), req))


# --- resource groups -----------------------------------------------------------------------------

@ARM.route("GET", SUB + "/resourcegroups", action=RG_READ, api_versions=VERSIONS)
def list_groups(sb: Sandbox, req, subscriptionId):
    sub_id = _sub_id(sb, subscriptionId)
    return ok({"value": [_group_json(sub_id, g) for g in models.list_groups(sb, sub_id)]})


@ARM.route("PUT", RG, action=RG_WRITE, api_versions=VERSIONS)
def create_or_update_group(sb: Sandbox, req, subscriptionId, resourceGroupName):
    sub_id = _sub_id(sb, subscriptionId)
    group, created = models.create_or_update_group(sb, sub_id, resourceGroupName, req.json_object())
    return ok(_group_json(sub_id, group), 201 if created else 200)


@ARM.route("GET", RG, action=RG_READ, api_versions=VERSIONS)
def get_group(sb: Sandbox, req, subscriptionId, resourceGroupName):
    sub_id = _sub_id(sb, subscriptionId)
    return ok(_group_json(sub_id, models.require_group(sb, sub_id, resourceGroupName)))


@ARM.route("HEAD", RG, action=RG_READ, api_versions=VERSIONS)
def check_group_existence(sb: Sandbox, req, subscriptionId, resourceGroupName):
    exists = models.get_group(sb, subscriptionId, resourceGroupName) is not None
    return Response(204 if exists else 404)


@ARM.route("PATCH", RG, action=RG_WRITE, api_versions=VERSIONS)
def update_group(sb: Sandbox, req, subscriptionId, resourceGroupName):
    sub_id = _sub_id(sb, subscriptionId)
    return ok(_group_json(sub_id, models.patch_group(sb, sub_id, resourceGroupName, req.json_object())))


@ARM.route("DELETE", RG, action=RG_DELETE, api_versions=VERSIONS)
def delete_group(sb: Sandbox, req, subscriptionId, resourceGroupName):
    """Done synchronously; ARM's 202 + Location is kept, and its first poll answers 200 (wire contract §5)."""
    sub_id = _sub_id(sb, subscriptionId)
    group = models.delete_group(sb, req.caller, sub_id, resourceGroupName)
    job = f"{JOB_PREFIX}{group['name'].upper()}-{group['location'].upper()}"
    return ok(None, 202, Location=f"https://management.azure.com/subscriptions/{sub_id}/operationresults/"
                                  f"{job}?api-version={req.api_version}")


@ARM.route("GET", SUB + "/operationresults/{operationId}",
           action="Microsoft.Resources/subscriptions/operationresults/read", api_versions=VERSIONS)
def operation_result(sb: Sandbox, req, subscriptionId, operationId):
    if not operationId.upper().startswith(JOB_PREFIX):
        raise errors.URI_NOT_FOUND(raw_path=req.raw_path)
    return ok(None, 200)          # every sandbox job finishes before its 202 is sent
