"""ARM core's (Microsoft.Resources) error catalogue: one `sandbox.errors.Error` a refusal."""
from __future__ import annotations

from ...errors import Error

GROUP_NAME_INVALID = Error(400, "InvalidResourceGroup", "The provided resource group name '{name}' {detail}",
    source="ARM's wording, relayed in microsoft/microsoft-foundry-for-vscode#53 (the two details: models.validate_group_name)")
GROUP_NOT_FOUND = Error(404, "ResourceGroupNotFound", "Resource group '{name}' could not be found.",
    source="Azure/azure-cli#20316, #13759 (az group delete / show)")
LOCATION_REQUIRED = Error(400, "LocationRequired", "The location property is required for this definition.",
    source="Azure/autorest.cli#97 (az datafactory create without a location)")
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceGroup", "The provided location '{value}' is not available for resource group. List of available regions is '{values}'.",
    source="microsoft/vscode-azureresourcegroups#33, Azure/azure-cli#7602; code: MicrosoftDocs/executable-docs#74")
TAGS_INVALID = Error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'tags must be an object of string values'.",
    source="ours: ARM's InvalidRequestContent prefix (microsoft/azure-tools-for-java#1014); the reason in quotes is the sandbox's (ARM quotes its JSON reader)")
GROUP_LOCATION_FIXED = Error(409, "InvalidResourceGroupLocation", "Invalid resource group location '{location}'. The Resource group already exists in location '{location2}'.",
    source="Azure/azure-cli#22242 (az group create); status 409: trailofbits/algo#1814")
FILTER_INVALID = Error(400, "InvalidFilterInQueryString", "Invalid $filter '{text}' specified in the query string.",
    source="Azure/azure-sdk-for-net#18748, Azure/azure-sdk-for-go#2480")
NAMESPACE_INVALID = Error(404, "InvalidResourceNamespace", "The resource namespace '{namespace}' is invalid.",
    source="Azure/aci-connector-k8s#13 (the message); the status is ours, not recorded there")
URI_NOT_FOUND = Error(404, "NotFound", "The requested URI '{raw_path}' was not found.",
    source="ours: an unknown operation-result job; Azure's answer for one is not documented")
