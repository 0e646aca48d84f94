"""The managed-identity endpoint, App Service protocol (api-version 2019-08-01; wire contract §2).
With no identity parameter the token is the learner's; `client_id`, `object_id`, `mi_res_id` (msal)
or `resource_id` (async client) pick a managed identity of the sandbox."""
from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from . import directory
from .store import present

if TYPE_CHECKING:
    from .context import Sandbox

API_VERSION = "2019-08-01"
# Audiences Entra ID would issue tokens for in this lab (resource = scope minus /.default).
RESOURCES = {
    "https://management.azure.com", "https://management.azure.com/",
    "https://management.core.windows.net/",
    "https://vault.azure.net", "https://vault.azure.net/",
    "https://cognitiveservices.azure.com", "https://cognitiveservices.azure.com/",
    "https://ai.azure.com", "https://ai.azure.com/",
    "https://graph.microsoft.com", "https://graph.microsoft.com/",
}


def token_response(sb: Sandbox, query: dict[str, str], headers: dict[str, str]) -> tuple[int, dict]:
    """(status, JSON body) for GET {IDENTITY_ENDPOINT}?api-version=…&resource=…"""
    secret = present(sb.meta("identity_header"), "the identity header")
    given = headers.get("x-identity-header", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return 401, _error(401, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
    if query.get("api-version") != API_VERSION:
        return 400, _error(400, f"Unsupported api-version '{query.get('api-version')}'. Use {API_VERSION}.")
    resource = query.get("resource")
    if not resource:
        return 400, _error(400, "The 'resource' query parameter is required.")
    if resource not in RESOURCES:
        return 400, _error(400, f"AADSTS500011: The resource principal named {resource} was not found in the "
                                "tenant. The sandbox issues tokens for management.azure.com, vault.azure.net, "
                                "cognitiveservices.azure.com and graph.microsoft.com.")
    principal, asked = _select(sb, query)
    if principal is None:
        return 400, _error(400, f"Unable to load the proper Managed Identity: no identity with {asked}.")
    token, expires_on = sb.tokens.issue(principal, resource)
    # App Service returns expires_on as a string of epoch seconds; msal and azure-identity parse it.
    return 200, {"access_token": token, "expires_on": str(expires_on), "resource": resource,
                 "token_type": "Bearer", "client_id": principal.app_id}


def _select(sb: Sandbox, query: dict[str, str]):
    for key, field in (("client_id", "client_id"), ("object_id", "object_id"), ("principal_id", "object_id"),
                       ("mi_res_id", "mi_resource_id"), ("msi_res_id", "mi_resource_id"),
                       ("resource_id", "mi_resource_id")):
        if query.get(key):
            found = directory.find(sb, **{field: query[key]})
            if found is not None and found.is_user and field != "object_id":
                found = None
            return found, f"{key}={query[key]}"
    return sb.learner, "no identity parameter"


def _error(status: int, message: str) -> dict:
    return {"statusCode": status, "message": message}
