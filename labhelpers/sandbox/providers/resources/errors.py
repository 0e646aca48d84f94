"""ARM core (Microsoft.Resources)'s error answers, in one place: each one with its HTTP status, Azure's error code, the message
(a template of the fields the raiser passes) and where its wording was taken from. "facts §" is
shared/reference/azure-behavior-facts.md; "ours" marks words of the sandbox's own where Azure's are not
documented; UNCITED, a message whose source was not recorded beside it."""
from __future__ import annotations

from ...errors import UNCITED, Error

GROUP_NAME_INVALID = Error(400, "InvalidResourceGroup", "The provided resource group name '{name}' {detail}",
    source=UNCITED)
GROUP_NOT_FOUND = Error(404, "ResourceGroupNotFound", "Resource group '{name}' could not be found.",
    source=UNCITED)
LOCATION_REQUIRED = Error(400, "LocationRequired", "The location property is required for this definition.",
    source=UNCITED)
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceGroup", "The provided location '{value}' is not available for resource group. List of available regions is '{values}'.",
    source=UNCITED)
TAGS_INVALID = Error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'tags must be an object of string values'.",
    source=UNCITED)
GROUP_LOCATION_FIXED = Error(409, "InvalidResourceGroupLocation", "Invalid resource group location '{location}'. The Resource group already exists in location '{location2}'.",
    source=UNCITED)
FILTER_INVALID = Error(400, "InvalidFilterInQueryString", "Invalid $filter '{text}' specified in the query string.",
    source="Azure/azure-sdk-for-net#18748, Azure/azure-sdk-for-go#2480")
NAMESPACE_INVALID = Error(404, "InvalidResourceNamespace", "The resource namespace '{namespace}' is invalid.",
    source=UNCITED)
URI_NOT_FOUND = Error(404, "NotFound", "The requested URI '{raw_path}' was not found.",
    source=UNCITED)
