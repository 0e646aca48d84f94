"""Resource-provider metadata: which resource types each provider has, in which regions, at which
api-versions. The providers API (`GET /subscriptions/{s}/providers`) serves it, and every provider's
routes take their `api_versions=` (and the error for an unknown one) from here, so one table says
what the sandbox accepts.

Api-versions are the ones the real service lists (azure-rest-api-specs `specification/<rp>/
resource-manager/**/stable|preview/<version>`, and the lists ARM itself prints in
InvalidApiVersionParameter / NoRegisteredProviderFound errors, e.g. Azure/azure-cli#28038,
pulumi/pulumi-azure-native#3637, Azure/azure-sdk-for-java#28334)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import regions
from .errors import AzureError

# Microsoft.Resources is ARM itself: one version list for all its types (Azure/azure-cli#28038,
# pulumi/pulumi-azure-native#3637, plus the later releases in azure-rest-api-specs).
_RESOURCES_VERSIONS = (
    "2025-04-01 2025-03-01 2025-01-01 2024-11-01 2024-08-01 2024-07-01 2024-06-01-preview 2024-03-01 "
    "2023-07-01 2023-07-01-preview 2023-03-01-preview 2022-12-01 2022-11-01-preview 2022-09-01 2022-06-01 "
    "2022-05-01 2022-03-01-preview 2022-01-01 2021-04-01 2021-01-01 2020-10-01 2020-09-01 2020-08-01 "
    "2020-07-01 2020-06-01 2020-05-01 2020-01-01 2019-11-01 2019-10-01 2019-09-01 2019-08-01 2019-07-01 "
    "2019-06-01 2019-05-10 2019-05-01 2019-03-01 2018-11-01 2018-09-01 2018-08-01 2018-07-01 2018-06-01 "
    "2018-05-01 2018-02-01 2018-01-01 2017-12-01 2017-08-01 2017-06-01 2017-05-10 2017-05-01 2017-03-01 "
    "2016-09-01 2016-07-01 2016-06-01 2016-02-01 2015-11-01 2015-01-01 2014-04-01-preview 2014-04-01 "
    "2014-01-01 2013-03-01 2014-02-26 2014-04").split()

# Microsoft.Authorization (Azure/azure-sdk-for-java#28334 lists; 2022-04-01 is what the SDK sends).
_ROLE_ASSIGNMENT_VERSIONS = (
    "2014-04-01-preview 2014-07-01-preview 2014-10-01-preview 2015-05-01-preview 2015-06-01 2015-07-01 "
    "2016-07-01 2017-05-01 2017-09-01 2017-10-01-preview 2018-01-01-preview 2018-07-01 2018-09-01-preview "
    "2018-12-01-preview 2019-04-01-preview 2020-03-01-preview 2020-04-01-preview 2020-08-01-preview "
    "2020-10-01-preview 2021-04-01-preview 2022-01-01-preview 2022-04-01").split()
_ROLE_DEFINITION_VERSIONS = (
    "2014-04-01-preview 2014-07-01-preview 2014-10-01-preview 2015-05-01-preview 2015-06-01 2015-07-01 "
    "2016-07-01 2017-05-01 2017-09-01 2018-01-01-preview 2018-07-01 2022-04-01 2022-05-01-preview").split()

# Microsoft.KeyVault management plane (spec folders stable/* and preview/*; 2026-05-15 = azure-mgmt-keyvault 14.1).
_KEYVAULT_VERSIONS = (
    "2015-06-01 2016-10-01 2018-02-14-preview 2018-02-14 2019-09-01 2020-04-01-preview 2021-04-01-preview "
    "2021-06-01-preview 2021-10-01 2021-11-01-preview 2022-02-01-preview 2022-07-01 2022-11-01 2023-02-01 "
    "2023-07-01 2023-08-01-preview 2024-04-01-preview 2024-11-01 2024-12-01-preview 2025-05-01 2026-02-01 "
    "2026-03-01-preview 2026-04-01-preview 2026-04-01 2026-05-15").split()

# Microsoft.CognitiveServices (2025-09-01 = azure-mgmt-cognitiveservices 14.1); projects exist from 2025-04-01-preview.
_COGNITIVE_VERSIONS = (
    "2016-02-01-preview 2017-04-18 2021-04-30 2021-10-01 2022-03-01 2022-10-01 2022-12-01 2023-05-01 "
    "2023-10-01-preview 2024-04-01-preview 2024-06-01-preview 2024-10-01 2025-04-01-preview 2025-06-01 "
    "2025-07-01-preview 2025-09-01").split()
_PROJECT_VERSIONS = "2025-04-01-preview 2025-06-01 2025-07-01-preview 2025-09-01".split()

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


def _types(versions, *specs) -> tuple[ResourceType, ...]:
    return tuple(ResourceType(name, tuple(v or versions), locs, caps) for name, locs, caps, v in specs)


PROVIDERS = {p.namespace.lower(): p for p in (
    Provider("Microsoft.Resources", _types(
        _RESOURCES_VERSIONS,
        ("subscriptions", (), "None", None),
        ("subscriptions/locations", (), "None", None),
        ("subscriptions/providers", (), "None", None),
        ("subscriptions/operationresults", (), "None", None),
        ("resourceGroups", ALL_REGIONS, "SupportsTags, SupportsLocation", None),
        ("subscriptions/resourceGroups", ALL_REGIONS, "SupportsTags, SupportsLocation", None),
        ("providers", (), "None", None),
    ), "RegistrationFree"),
    Provider("Microsoft.Authorization", _types(
        _ROLE_ASSIGNMENT_VERSIONS,
        ("roleAssignments", (), "SupportsExtension", _ROLE_ASSIGNMENT_VERSIONS),
        ("roleDefinitions", (), "SupportsExtension", _ROLE_DEFINITION_VERSIONS),
    ), "RegistrationFree"),
    Provider("Microsoft.KeyVault", _types(
        _KEYVAULT_VERSIONS,
        ("vaults", ALL_REGIONS, _TRACKED, None),
        ("vaults/keys", ALL_REGIONS, "None", None),
        ("vaults/accessPolicies", ALL_REGIONS, "None", None),
        ("deletedVaults", (), "None", None),
        ("locations", (), "None", None),
        ("locations/deletedVaults", ALL_REGIONS, "None", None),
        ("locations/operationResults", ALL_REGIONS, "None", None),
        ("checkNameAvailability", (), "None", None),
        ("operations", (), "None", None),
    )),
    Provider("Microsoft.CognitiveServices", _types(
        _COGNITIVE_VERSIONS,
        ("accounts", AI_SERVICES_REGIONS, _TRACKED, None),
        ("accounts/projects", AI_SERVICES_REGIONS, "SupportsTags, SupportsLocation", _PROJECT_VERSIONS),
        ("deletedAccounts", (), "None", None),
        ("locations", (), "None", None),
        ("locations/resourceGroups/deletedAccounts", AI_SERVICES_REGIONS, "None", None),
        ("locations/operationResults", AI_SERVICES_REGIONS, "None", None),
        ("checkDomainAvailability", (), "None", None),
        ("operations", (), "None", None),
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
    if isinstance(body, dict) and regions.normalize(body.get("location")):
        return regions.normalize(body["location"])
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
    return [provider_json(subscription_id, p.namespace) for p in PROVIDERS.values()]


def _default_version(versions) -> str:
    stable = [v for v in versions if "preview" not in v and re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
    return max(stable or versions)
