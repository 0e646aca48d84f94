"""Microsoft Graph's error catalogue (entries: `sandbox.errors.Error`), answered in Graph's own shape
(`GraphError`: code, message, innerError) rather than ARM's."""
from __future__ import annotations

from ...errors import Error, GraphError

NOT_FOUND = Error(404, "Request_ResourceNotFound", "Resource '{name}' does not exist or one of its queried reference-property objects are not present.",
    source="microsoftgraph/microsoft-graph-explorer-v4#3330, microsoftgraph/microsoft-graph-docs#18714", shape=GraphError)
ACCESS_DENIED = Error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.",
    source="Azure-Samples/ms-identity-python-daemon#8 (an app without User.Read.All), microsoftgraph/nodejs-connect-rest-sample#69 (403)", shape=GraphError)
ME_NEEDS_DELEGATED = Error(400, "BadRequest", "/me request is only valid with delegated authentication flow.",
    source="microsoftgraph/msgraph-sdk-php#1163, pnp/pnpcore#905", shape=GraphError)
FILTER_UNSUPPORTED = Error(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified: '{expression}'. The sandbox evaluates 'x eq', 'x/any(c:c eq)' and 'startswith(x,)'.",
    source="the prefix is Graph's (microsoft/botframework-components#1108); the forms the sandbox evaluates are ours", shape=GraphError)
IDS_REQUIRED = Error(400, "Request_BadRequest", "Invalid value specified for property 'ids' of resource 'directoryObject': a non-empty list of ids is required.",
    source="ours: Graph's Request_BadRequest code and 'Invalid value specified for property' wording; what follows the colon is the sandbox's", shape=GraphError)
