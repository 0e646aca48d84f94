"""What happens to a request once TLS is terminated: pick the plane from the host, authenticate
the bearer token as that plane does, route, authorise (ARM) and turn every failure into Azure's
error shape. Nothing here knows a resource provider; providers plug in through `routing` and
`registry`."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
import traceback
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from . import catalog, directory, rbac, registry, timing
from .errors import AzureError, GraphError
from .http import Request, Response
from .routing import ARM, COGNITIVE, GRAPH, KEYVAULT, NotFoundRoute, Router
from .store import damage
from .tokens import TokenError

if TYPE_CHECKING:
    from .context import Sandbox

log = logging.getLogger("labhelpers.sandbox")

ARM_HOST = "management.azure.com"
GRAPH_HOST = "graph.microsoft.com"
LOGIN_HOSTS = ("login.microsoftonline.com", "login.windows.net")
_VAULT_HOST = re.compile(r"^([a-z0-9-]{3,24})\.vault\.azure\.net$")
_COGNITIVE_HOST = re.compile(r"^([a-z0-9-]{2,64})\."
                             r"(cognitiveservices\.azure\.com|services\.ai\.azure\.com|openai\.azure\.com)$")

# Audiences each plane accepts, as the real services do (wire contract §8 for ARM's three).
AUDIENCES = {
    "arm": ("https://management.azure.com", "https://management.azure.com/",
            "https://management.core.windows.net/"),
    "keyvault": ("https://vault.azure.net", "https://vault.azure.net/"),
    "cognitive": ("https://cognitiveservices.azure.com", "https://cognitiveservices.azure.com/",
                  "https://ai.azure.com", "https://ai.azure.com/"),
    # Graph's own audience (its app id is the form Entra ID puts in v2 tokens)
    "graph": ("https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"),
}
ROUTERS: dict[str, Router] = {"arm": ARM, "keyvault": KEYVAULT, "cognitive": COGNITIVE, "graph": GRAPH}
MAX_BODY = 4 * 1024 * 1024          # ARM's request size limit


# Query arguments whose values are secrets (SAS signatures, OAuth codes and secrets, tokens): the
# request log keeps their names, never their values.
SECRET_QUERY_ARGS = {"sig", "signature", "code", "client_secret", "client_assertion", "assertion", "access_token",
                     "id_token", "refresh_token", "token", "password", "secret", "key", "api-key", "subscription-key"}


def loggable_target(target: str) -> str:
    """A request target for the log: the path and query, secret values replaced by REDACTED."""
    path, _, query = target.partition("?")
    if not query:
        return path
    args = [(k, "REDACTED" if k.lower() in SECRET_QUERY_ARGS else v)
            for k, v in parse_qsl(query, keep_blank_values=True)]
    return path + "?" + urlencode(args, safe="$'(),:/@")


def plane_of(host: str) -> tuple[str, str] | None:
    """(plane, label) for a host the sandbox serves, else None (the proxy refuses the tunnel)."""
    host = host.lower().rstrip(".")
    if host == ARM_HOST:
        return "arm", ""
    if host in LOGIN_HOSTS:
        return "login", ""
    if host == GRAPH_HOST:
        return "graph", ""
    m = _VAULT_HOST.match(host)
    if m:
        return "keyvault", m.group(1)
    m = _COGNITIVE_HOST.match(host)
    if m:
        return "cognitive", m.group(1)
    return None


def host_exists(sb: Sandbox, host: str) -> bool:
    """A data-plane host exists only while its vault or account does, as with DNS."""
    found = plane_of(host)
    if found is None:
        return False
    plane, label = found
    check = registry.HOSTS.get(plane)
    return check(sb, label) if check else True


def handle(sb: Sandbox, req: Request) -> Response:
    started = time.perf_counter()
    found = plane_of(req.host)
    req.plane, req.host_label = found if found else ("", "")
    try:
        if len(req.body) > MAX_BODY:
            raise AzureError(413, "RequestEntityTooLarge",
                             f"The request content size exceeds the maximum allowed size of {MAX_BODY} bytes.")
        if req.plane == "login":
            resp = _login(sb, req)
        elif req.plane in ROUTERS:
            sb.tick()
            resp = _dispatch(sb, req)
        else:
            raise AzureError(400, "InvalidHost", f"The sandbox does not serve the host '{req.host}'.")
    except AzureError as err:
        resp = Response(err.status, err.body(), dict(err.headers))
    except Exception as exc:  # a bug in the sandbox: say so in Azure's shape, keep the details in the log
        log.error("unhandled error for %s %s\n%s", req.method, req.raw_path, traceback.format_exc())
        damaged = damage(sb.store.path, exc) if isinstance(exc, sqlite3.DatabaseError) else None
        resp = Response(500, {"error": {"code": "InternalServerError",
                                        "message": str(damaged) if damaged else
                                        "The sandbox hit an internal error; see its log."}})
    request_id = str(uuid.uuid4())
    resp.headers.setdefault("x-ms-request-id", request_id)
    if req.plane == "arm":
        resp.headers.setdefault("x-ms-correlation-request-id", req.headers.get("x-ms-client-request-id", request_id))
    if resp.body is not None and not isinstance(resp.body, (bytes, str)):
        resp.headers.setdefault("Content-Type", "application/json; charset=utf-8")
    observe = registry.OBSERVERS.get(req.plane)
    if observe:
        observe(sb, req, resp, (time.perf_counter() - started) * 1000)
    return resp


def _dispatch(sb: Sandbox, req: Request) -> Response:
    _authenticate(sb, req)       # before routing, as Azure does: an anonymous caller learns nothing
    try:
        route, params = ROUTERS[req.plane].match(req.method, req.path)
    except NotFoundRoute:
        raise _not_found(req)
    req.route_name = route.name
    if req.plane == "arm" and req.api_version is None:
        raise AzureError(400, "MissingApiVersionParameter",
                         "The api-version query parameter (?api-version=) is required for all requests.")
    if route.api_versions is not None and req.api_version not in route.api_versions and not (
            sb.config.accept_newer_api_versions and catalog.newer_than_table(route.api_versions, req.api_version)):
        if route.version_error:
            raise route.version_error(req, route)
        raise AzureError(400, "InvalidApiVersionParameter",
                         f"The api-version '{req.api_version}' is invalid. The supported versions are "
                         f"'{','.join(sorted(route.api_versions, reverse=True))}'.")
    if req.plane == "arm":
        sub = params.get("subscriptionId")
        if sub is not None and sb.subscription(sub) is None:
            raise AzureError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        if route.action is not None:
            action = route.action(req, params) if callable(route.action) else route.action
            scope = route.scope(req, params) if route.scope else req.path.rstrip("/")
            attributes = route.attributes(sb, req, params) if route.attributes else None
            rbac.require_arm(sb, req.caller, action, scope, attributes)
    if req.method in ("GET", "HEAD"):
        return timing.shape(sb, req, route.handler(sb, req, **params))
    # One transaction per write: a bug half-way changes nothing. A refusal keeps what was recorded on the
    # way (a denied CMK unwrap stays in the vault's audit log, as in Azure).
    with sb.store.transaction():
        try:
            return timing.shape(sb, req, route.handler(sb, req, **params))
        except AzureError as err:
            refusal = err
    raise refusal


def _not_found(req: Request) -> AzureError:
    if req.plane == "keyvault":
        return AzureError(404, "BadParameter", f"The request URI '{req.raw_path}' is not valid.")
    if req.plane == "cognitive":
        return AzureError(404, "404", "Resource not found")
    if req.plane == "graph":
        segment = next((s for s in req.path.split("/")[2:] if s), req.path.strip("/"))
        # Graph's words and shape (microsoftgraph/microsoft-graph-docs#1914)
        return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
    m = re.search(r"/providers/([^/]+)/(.+)$", req.path, re.I)
    if m:
        # The type named in full, nested types included: vaults/secrets for …/vaults/{v}/secrets/{s}
        type_name = "/".join(m.group(2).strip("/").split("/")[::2])
        return AzureError(400, "InvalidResourceType",
                          f"The resource type '{type_name}' could not be found in the namespace "
                          f"'{m.group(1)}' for api version '{req.api_version}'.")
    return AzureError(404, "NotFound", f"The requested URI '{req.raw_path}' was not found.")


def _authenticate(sb: Sandbox, req: Request) -> None:
    auth = req.headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    try:
        if not token:
            raise TokenError("missing", "no bearer token")
        req.claims = sb.tokens.verify(token, AUDIENCES[req.plane])
    except TokenError as err:
        raise _unauthenticated(sb, req, err)
    req.caller = directory.get(sb, req.claims["oid"])
    if req.caller is None:       # the principal was deleted (e.g. its resource is gone)
        raise _unauthenticated(sb, req, TokenError("invalid", "the token's principal no longer exists"))


def _unauthenticated(sb: Sandbox, req: Request, err: TokenError) -> AzureError:
    tenant = sb.tenant_id
    if req.plane == "keyvault":
        # As observed from the real service (facts §B5); the SDK takes the tenant from either login host.
        challenge = f'Bearer authorization="https://login.windows.net/{tenant}", resource="https://vault.azure.net"'
        messages = {"missing": "Request is missing a Bearer or PoP token.",
                    "audience": f"AKV10022: Invalid audience. Expected https://vault.azure.net, found: {err.detail}.",
                    "expired": "AKV10032: Token has expired.",
                    "invalid": "AKV10013: Invalid token.",
                    # as the service words it (MicrosoftDocs/azure-docs#75410)
                    "tenant": f"AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, "
                              f"found https://sts.windows.net/{err.detail}/."}
        return AzureError(401, "Unauthorized", messages[err.kind], headers={"WWW-Authenticate": challenge})
    if req.plane == "cognitive":
        messages = {"missing": "Access denied due to missing or invalid Microsoft Entra ID token.",
                    "audience": f"Access denied: the token audience '{err.detail}' is not "
                                "https://cognitiveservices.azure.com.",
                    "expired": "Access denied: the Microsoft Entra ID token has expired.",
                    "invalid": "Access denied due to invalid Microsoft Entra ID token.",
                    "tenant": "Access denied due to invalid Microsoft Entra ID token."}
        return AzureError(401, "PermissionDenied", messages[err.kind],
                          headers={"WWW-Authenticate": f'Bearer authorization_uri="https://login.microsoftonline.com/{tenant}"'})
    if req.plane == "graph":     # Graph's words for a missing, expired or foreign token
        messages = {"missing": "Access token is empty.", "expired": "Lifetime validation failed, the token is expired.",
                    "audience": "Access token validation failure. Invalid audience.",
                    "invalid": "Access token validation failure.",
                    "tenant": "Access token validation failure. Invalid issuer."}
        return GraphError(401, "InvalidAuthenticationToken", messages[err.kind],
                          headers={"WWW-Authenticate": 'Bearer realm="", authorization_uri='
                                                       '"https://login.microsoftonline.com/common/oauth2/authorize", '
                                                       'client_id="00000003-0000-0000-c000-000000000000"'})
    challenge = 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", ' \
                f'error_description="{err.detail}"'
    if err.kind == "missing":
        return AzureError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                          headers={"WWW-Authenticate": challenge})
    if err.kind == "audience":
        allowed = ",".join(f"'{a}'" for a in AUDIENCES["arm"])
        return AzureError(401, "InvalidAuthenticationTokenAudience",
                          f"The access token has been obtained for wrong audience or resource '{err.detail}'. "
                          f"It should exactly match with one of the allowed audiences {allowed}.",
                          headers={"WWW-Authenticate": challenge})
    if err.kind == "expired":
        return AzureError(401, "ExpiredAuthenticationToken",
                          f"The access token expiry UTC time '{err.detail}' is earlier than current UTC time.",
                          headers={"WWW-Authenticate": challenge})
    if err.kind == "tenant":     # ARM's words (Azure/azure-sdk-for-net#49391)
        return AzureError(401, "InvalidAuthenticationTokenTenant",
                          f"The access token is from the wrong issuer 'https://sts.windows.net/{err.detail}/'. "
                          f"It must match the tenant 'https://sts.windows.net/{tenant}/' associated with this "
                          f"subscription. Please use the authority (URL) 'https://login.windows.net/{tenant}' "
                          "to get the token.", headers={"WWW-Authenticate": challenge})
    return AzureError(401, "InvalidAuthenticationToken", "The access token is invalid.",
                      headers={"WWW-Authenticate": challenge})


def _login(sb: Sandbox, req: Request) -> Response:
    """Enough of Entra ID for a verifier: OpenID metadata and the token signing keys (JWKS)."""
    tenant = sb.tenant_id
    path = req.path.rstrip("/")
    if path.endswith("/.well-known/openid-configuration"):
        base = f"https://login.microsoftonline.com/{tenant}"
        return Response(200, {"issuer": f"https://sts.windows.net/{tenant}/",
                              "jwks_uri": f"{base}/discovery/keys",
                              "token_endpoint": f"{base}/oauth2/token",
                              "id_token_signing_alg_values_supported": ["RS256"]})
    if path.endswith("/discovery/keys") or path.endswith("/discovery/v2.0/keys"):
        return Response(200, {"keys": [sb.tokens.jwk()]})
    raise AzureError(400, "invalid_request",
                     "AADSTS900144: The sandbox signs in through the managed-identity endpoint only; "
                     "use DefaultAzureCredential with the sandbox environment.")
