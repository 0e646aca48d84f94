"""Resource-provider metadata: which resource types each provider has, in which regions, at which
api-versions. The providers API (`GET /subscriptions/{s}/providers`) serves it, and every provider's
routes take their `api_versions=` (and the error for an unknown one) from here, so one table says
what the sandbox accepts.

Api-versions come from one generated table, data/api-versions.json, which names its source
(azure-rest-api-specs folders and TypeSpec versions, plus the lists ARM itself prints in its errors)
and is refreshed by tools/refresh_api_versions.py."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import regions
from .errors import AzureError
from .store import present

# The one table of api-versions (data/api-versions.json: generated, it names its source; refresh it
# with tools/refresh_api_versions.py). Keys are "<namespace>/<type>" for ARM and "<host>/<area>" for
# data planes.
API_VERSIONS_TABLE = json.loads((Path(__file__).parent / "data" / "api-versions.json").read_text())
_VERSION_DATE = re.compile(r"^(\d{4}-\d\d-\d\d)(-preview)?$")


def table_versions(key: str) -> tuple[str, ...]:
    return tuple(API_VERSIONS_TABLE["types"][key]["versions"])


def newer_than_table(versions, version: str | None) -> bool:
    """Whether `version` is a well-formed date version later than every one in `versions`: what the
    switch `--accept-newer-api-versions` lets through (a service released after the table)."""
    m = _VERSION_DATE.match(version or "")
    dates = [d.group(1) for v in versions if (d := _VERSION_DATE.match(v))]
    return bool(m and dates and m.group(1) > max(dates))


ALL_REGIONS = tuple(r[0] for r in regions.REGIONS)
# Sandbox data: AI Services (kind AIServices) is offered in most regions but not all, as in Azure, so
# the lab's region picker has to intersect Key Vault's and Cognitive Services' lists.
AI_SERVICES_REGIONS = tuple(r for r in ALL_REGIONS if r not in {"westcentralus", "ukwest", "canadaeast"})

_TRACKED = "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, SupportsTags, SupportsLocation"


@dataclass(frozen=True)
class ResourceType:
    name: str
    api_versions: tuple[str, ...]
    locations: tuple[str, ...] = ()
    capabilities: str = "None"


@dataclass(frozen=True)
class Provider:
    namespace: str
    types: tuple[ResourceType, ...]
    registration_policy: str = "RegistrationRequired"


def _types(namespace: str, *specs) -> tuple[ResourceType, ...]:
    return tuple(ResourceType(name, table_versions(f"{namespace}/{name}"), locs, caps) for name, locs, caps in specs)


PROVIDERS = {p.namespace.lower(): p for p in (
    Provider("Microsoft.Resources", _types(
        "Microsoft.Resources",
        ("subscriptions", (), "None"),
        ("subscriptions/locations", (), "None"),
        ("subscriptions/providers", (), "None"),
        ("subscriptions/operationresults", (), "None"),
        ("resourceGroups", ALL_REGIONS, "SupportsTags, SupportsLocation"),
        ("subscriptions/resourceGroups", ALL_REGIONS, "SupportsTags, SupportsLocation"),
        ("providers", (), "None"),
        ("tenants", (), "None"),
    ), "RegistrationFree"),
    Provider("Microsoft.Authorization", _types(
        "Microsoft.Authorization",
        ("roleAssignments", (), "SupportsExtension"),
        ("roleDefinitions", (), "SupportsExtension"),
    ), "RegistrationFree"),
    Provider("Microsoft.KeyVault", _types(
        "Microsoft.KeyVault",
        ("vaults", ALL_REGIONS, _TRACKED),
        ("vaults/keys", ALL_REGIONS, "None"),
        ("vaults/accessPolicies", ALL_REGIONS, "None"),
        ("deletedVaults", (), "None"),
        ("locations", (), "None"),
        ("locations/deletedVaults", ALL_REGIONS, "None"),
        ("locations/operationResults", ALL_REGIONS, "None"),
        ("checkNameAvailability", (), "None"),
        ("operations", (), "None"),
    )),
    Provider("Microsoft.CognitiveServices", _types(
        "Microsoft.CognitiveServices",
        ("accounts", AI_SERVICES_REGIONS, _TRACKED),
        ("accounts/projects", AI_SERVICES_REGIONS, "SupportsTags, SupportsLocation"),
        ("deletedAccounts", (), "None"),
        ("locations", (), "None"),
        ("locations/resourceGroups/deletedAccounts", AI_SERVICES_REGIONS, "None"),
        ("locations/operationResults", AI_SERVICES_REGIONS, "None"),
        ("checkDomainAvailability", (), "None"),
        ("operations", (), "None"),
    )),
    Provider("Microsoft.ManagedIdentity", _types(
        "Microsoft.ManagedIdentity",
        ("userAssignedIdentities", ALL_REGIONS, _TRACKED),
    )),
)}


def provider(namespace: str) -> Provider | None:
    return PROVIDERS.get(namespace.lower())


def resource_type(namespace: str, type_name: str) -> ResourceType:
    """The registered type (names are case-insensitive); KeyError for one the sandbox lacks."""
    for rt in PROVIDERS[namespace.lower()].types:
        if rt.name.lower() == type_name.lower():
            return rt
    raise KeyError(f"{namespace}/{type_name}")


def api_versions(namespace: str, type_name: str) -> list[str]:
    return list(resource_type(namespace, type_name).api_versions)


def locations(namespace: str, type_name: str) -> list[str]:
    """Region names (`eastus`) where the type is offered; empty for global/proxy types."""
    return list(resource_type(namespace, type_name).locations)


def version_error(namespace: str, type_name: str):
    """`version_error=` for a route of an RP resource type: ARM's answer to an api-version the type
    lacks. Azure/azure-cli#20226: 400 NoRegisteredProviderFound naming the location, the supported
    versions and locations. Microsoft.Authorization answers InvalidResourceType instead
    (Azure/azure-sdk-for-java#28334)."""
    rt = resource_type(namespace, type_name)      # named in full: 'locations/deletedVaults' (azure-sdk-for-net#23760)

    def error(req, route) -> AzureError:
        versions = sorted(rt.api_versions)
        if namespace.lower() == "microsoft.authorization":
            return AzureError(400, "InvalidResourceType",
                              f"The resource type '{rt.name}' could not be found in the namespace "
                              f"'{PROVIDERS[namespace.lower()].namespace}' for api version '{req.api_version}'. "
                              f"The supported api-versions are '{','.join(versions)}'.")
        return AzureError(400, "NoRegisteredProviderFound",
                          f"No registered resource provider found for location '{_location_of(req)}' and API "
                          f"version '{req.api_version}' for type '{rt.name}'. The supported api-versions are "
                          f"'{', '.join(versions)}'. The supported locations are '{', '.join(rt.locations)}'.")
    return error


def _location_of(req) -> str:
    """The region ARM routed to: the body's `location` on a PUT, else the one in the path, else global."""
    try:
        body = req.json(required=False)
    except AzureError:
        body = {}
    location = regions.normalize(body.get("location")) if isinstance(body, dict) else None
    if location:
        return location
    m = re.search(r"/locations/([^/]+)", req.path, re.I)
    return m.group(1).lower() if m else "global"


def provider_json(subscription_id: str, namespace: str) -> dict | None:
    """One provider as `GET /subscriptions/{s}/providers/{ns}` returns it (always Registered: the
    sandbox never answers MissingSubscriptionRegistration, wire contract §4)."""
    p = provider(namespace)
    if p is None:
        return None
    return {
        "id": f"/subscriptions/{subscription_id}/providers/{p.namespace}",
        "namespace": p.namespace,
        "registrationState": "Registered",
        "registrationPolicy": p.registration_policy,
        "resourceTypes": [{
            "resourceType": rt.name,
            "locations": [regions.display_name(r) for r in rt.locations],
            "apiVersions": sorted(rt.api_versions, reverse=True),
            "defaultApiVersion": _default_version(rt.api_versions),
            "capabilities": rt.capabilities,
        } for rt in p.types],
    }


def providers_json(subscription_id: str) -> list[dict]:
    return [present(provider_json(subscription_id, p.namespace), p.namespace) for p in PROVIDERS.values()]


def _default_version(versions) -> str:
    stable = [v for v in versions if "preview" not in v and re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
    return max(stable or versions)
