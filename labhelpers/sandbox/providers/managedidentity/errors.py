"""Microsoft.ManagedIdentity's error answers, in one place: each one with its HTTP status, Azure's error
code, the message (a template of the fields the raiser passes) and where its wording was taken from. "ours"
marks words of the sandbox's own where Azure's are not documented; UNCITED, a message whose source was not
recorded beside it."""
from __future__ import annotations

from ...errors import UNCITED, Error

IDENTITY_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{type}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's answer for a missing resource, as for every tracked resource (the aka.ms link is ARM's)")
LOCATION_REQUIRED = Error(400, "LocationRequired", "The location property is required for this definition.",
    source=UNCITED)
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceType", "The provided location '{location}' is not available for resource type '{type}'. List of available regions for the resource type is '{values}'.",
    source=UNCITED)
LOCATION_FIXED = Error(400, "InvalidResourceLocation", "The resource '{name}' already exists in location '{location}' in resource group '{group}'. A resource with the same name cannot be created in location '{location2}'. Please select a new resource name.",
    source=UNCITED)
TAGS_INVALID = Error(400, "InvalidRequestContent", "The property \"tags\" must be an object of strings.",
    source=UNCITED)
ISOLATION_SCOPE_INVALID = Error(400, "InvalidRequestContent", "The value '{given}' of properties.isolationScope is not valid; use one of: {values}.",
    source="ours: the spec's IsolationScope enum (None, Regional, ManagedIdentity.json 2024-11-30); the words are the sandbox's")
NAME_INVALID = Error(400, "InvalidResourceName", "The resource name '{name}' is invalid: a user-assigned identity name has 3 to 128 characters (letters, digits, '-' and '_') and starts with a letter or a digit.",
    source="ours: ARM's code for a bad name; the rule is Microsoft Learn's 'Naming rules and restrictions for Azure resources' (Microsoft.ManagedIdentity)")
