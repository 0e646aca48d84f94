"""Microsoft.ManagedIdentity's error catalogue (userAssignedIdentities): one `sandbox.errors.Error` a refusal."""
from __future__ import annotations

from ...errors import Error

IDENTITY_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{type}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's ResourceNotFound wording, for every tracked resource (microsoft/foundry-dev-tools#512)")
LOCATION_REQUIRED = Error(400, "LocationRequired", "The location property is required for this definition.",
    source="Azure/autorest.cli#97 (ARM's answer for a tracked resource without a location)")
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceType", "The provided location '{location}' is not available for resource type '{type}'. List of available regions for the resource type is '{values}'.",
    source="ARM's wording, as public deployment logs quote it for other types ('Microsoft.Web/staticSites', 'Microsoft.DurableTask/schedulers'); ours for this type")
LOCATION_FIXED = Error(400, "InvalidResourceLocation", "The resource '{name}' already exists in location '{location}' in resource group '{group}'. A resource with the same name cannot be created in location '{location2}'. Please select a new resource name.",
    source="MicrosoftDocs/azure-docs#70422, fortinetsolutions/Azure-Templates#8 (ARM's answer for any resource type)")
TAGS_INVALID = Error(400, "InvalidRequestContent", "The property \"tags\" must be an object of strings.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
ISOLATION_SCOPE_INVALID = Error(400, "InvalidRequestContent", "The value '{given}' of properties.isolationScope is not valid; use one of: {values}.",
    source="ours: the spec's IsolationScope enum (None, Regional, ManagedIdentity.json 2024-11-30); the words are the sandbox's")
NAME_INVALID = Error(400, "InvalidResourceName", "The resource name '{name}' is invalid: a user-assigned identity name has 3 to 128 characters (letters, digits, '-' and '_') and starts with a letter or a digit.",
    source="ours: ARM's code for a bad name; the rule is Microsoft Learn's 'Naming rules and restrictions for Azure resources' (Microsoft.ManagedIdentity)")
