"""Resource SKUs of Microsoft.CognitiveServices (`GET /subscriptions/{s}/providers/
Microsoft.CognitiveServices/skus`, `resource_skus.list()`): which kind and SKU this subscription may
create in which region, and the restrictions that stop it. Shapes: ResourceSku and
ResourceSkuRestrictions of azure-rest-specs Microsoft.CognitiveServices 2025-09-01; as Azure lists
them, one location per entry, in upper case (`az cognitiveservices account list-skus` on Microsoft
Learn: `{"kind": "CognitiveServices", "locations": ["WESTUS"], "name": "S0", "resourceType":
"accounts", "restrictions": [], "tier": "Standard"}`), with Location restrictions shaped as ARM's
other SKU APIs give them (`type`, `values`, `restrictionInfo.locations`, `reasonCode`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog
from ...http import ok
from . import models
from .responses import _SUB, _route

if TYPE_CHECKING:
    from ...context import Sandbox

# Sandbox data, not Azure's (which differs per subscription and over time): Foundry resources (kind
# AIServices) are offered in fewer regions than the providers API lists for Cognitive Services
# accounts, and in one region AIServices S0 is not available to the lab's subscriptions, so a
# region preflight must read this API and its restrictions.
NOT_FOR_FOUNDRY = {"centralus", "eastasia", "northeurope", "westus2", "australiasoutheast", "japanwest",
                   "centralindia"}
FOUNDRY_REGIONS = tuple(r for r in catalog.AI_SERVICES_REGIONS if r not in NOT_FOR_FOUNDRY)
RESTRICTED = {"koreacentral": "NotAvailableForSubscription"}
OFFERED = (("AIServices", "S0", "Standard", FOUNDRY_REGIONS),
           ("OpenAI", "S0", "Standard", catalog.AI_SERVICES_REGIONS),
           ("CognitiveServices", "S0", "Standard", catalog.AI_SERVICES_REGIONS),
           ("TextAnalytics", "F0", "Free", catalog.AI_SERVICES_REGIONS))


def _entry(kind: str, name: str, tier: str, region: str) -> dict:
    restrictions = []
    if kind == "AIServices" and region in RESTRICTED:
        restrictions.append({"type": "Location", "values": [region],
                             "restrictionInfo": {"locations": [region], "zones": []},
                             "reasonCode": RESTRICTED[region]})
    return {"resourceType": "accounts", "name": name, "tier": tier, "kind": kind,
            "locations": [region.upper()], "restrictions": restrictions}


@_route("GET", _SUB + "/skus", f"{models.NAMESPACE}/skus/read", name="ResourceSkusList")
def list_skus(sb: Sandbox, req, subscriptionId):
    return ok({"value": [_entry(kind, name, tier, region) for kind, name, tier, regions in OFFERED
                         for region in regions]})
