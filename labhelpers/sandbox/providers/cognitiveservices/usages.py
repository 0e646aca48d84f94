"""A region's Cognitive Services usages (`GET /subscriptions/{s}/providers/Microsoft.CognitiveServices/
locations/{location}/usages`, `usages.list(location)`, `az cognitiveservices usage list -l`): how many
accounts the subscription holds there against its quota. Shape: Usage of azure-rest-specs
Microsoft.CognitiveServices 2025-09-01 (Usages_List).

The meter: the Azure Developer CLI checks `OpenAI.S0.AccountCount` before it creates an AIServices
account ("the usage meter required to create Azure AI Services accounts": Azure/azure-dev,
cli/azd/pkg/azapi). Its default limit, 30 per region per subscription, is Microsoft Learn's ("Azure
OpenAI resources per region, per Azure subscription: 30", azure/ai-foundry/openai/quotas-limits).
Ours, not documented by Azure: that soft-deleted accounts count until purged (Azure-Samples/
microsoft-foundry-basic#20 warns that they "may not release quota"), the localized name, and that the
sandbox lists no other meter and does not refuse the 31st account."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...http import ok
from . import models
from .responses import _SUB, _route

if TYPE_CHECKING:
    from ...context import Sandbox

ACCOUNT_METER = "OpenAI.S0.AccountCount"
ACCOUNT_LIMIT = 30


@_route("GET", _SUB + "/locations/{location}/usages", f"{models.NAMESPACE}/locations/usages/read",
        type_name="locations", name="UsagesList")
def list_usages(sb: Sandbox, req, subscriptionId, location):
    used = models.count_in_region(sb, subscriptionId, location)
    return ok({"value": [{"name": {"value": ACCOUNT_METER, "localizedValue": "Azure OpenAI resources per region"},
                          "unit": "Count", "currentValue": float(used), "limit": float(ACCOUNT_LIMIT)}]})
