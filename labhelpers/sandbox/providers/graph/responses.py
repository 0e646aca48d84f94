"""Microsoft Graph, the lookups Azure clients make of the tenant's directory (`directory.py`):
`/me`, users by id or UPN, service principals by id or appId, `directoryObjects/getByIds`, and the
`$filter`s the Azure CLI sends (azure-cli `command_modules/role/custom.py` `_resolve_object_id_and_type`,
`util.py` `get_current_identity_object_id`: `userPrincipalName eq '…'`,
`servicePrincipalNames/any(c:c eq '…')`). Shapes: learn.microsoft.com/graph/api/user-get,
serviceprincipal-get, directoryobject-getbyids (v1.0).

Who may read: users read the directory (Entra ID's default user permissions); a managed identity
holds no Graph application permission unless granted, so its lookups are 403
Authorization_RequestDenied, as Graph answers an app without Directory.Read.All."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ... import catalog, directory
from ...http import Response, ok
from ...routing import GRAPH
from . import errors
from ...store import present

if TYPE_CHECKING:
    from ...context import Sandbox

HOST = "https://graph.microsoft.com"
VERSIONS = catalog.table_versions("graph.microsoft.com")       # in the path: /v1.0/…, /beta/…


def _route(method: str, pattern: str):
    def register(handler):
        for version in VERSIONS:
            GRAPH.route(method, f"/{version}{pattern}", name=f"Graph{handler.__name__}")(handler)
        return handler
    return register


# ---- shapes ------------------------------------------------------------------------------------------

def user_json(p: directory.Principal) -> dict:
    given, _, surname = p.display_name.partition(" ")
    return {"businessPhones": [], "displayName": p.display_name, "givenName": given or None, "jobTitle": None,
            "mail": None, "mobilePhone": None, "officeLocation": None, "preferredLanguage": None,
            "surname": surname or None, "userPrincipalName": p.upn, "id": p.object_id}


def service_principal_json(p: directory.Principal) -> dict:
    """A managed identity's service principal (servicePrincipalType ManagedIdentity: its names are
    its appId and the ARM id of the resource it belongs to)."""
    names = [p.app_id] + ([p.mi_resource_id] if p.mi_resource_id else [])
    return {"id": p.object_id, "deletedDateTime": None, "accountEnabled": True,
            "alternativeNames": ["isExplicit=False"] + ([p.mi_resource_id] if p.mi_resource_id else []),
            "appDisplayName": None, "appId": p.app_id, "appOwnerOrganizationId": None, "displayName": p.display_name,
            "servicePrincipalNames": names, "servicePrincipalType": "ManagedIdentity", "signInAudience": None,
            "tags": [], "keyCredentials": [], "passwordCredentials": []}


def _typed(p: directory.Principal) -> dict:
    kind = "user" if p.is_user else "servicePrincipal"
    body = user_json(p) if p.is_user else service_principal_json(p)
    return {"@odata.type": f"#microsoft.graph.{kind}", **body}


def _collection(req, kind: str, items: list[dict]) -> dict:
    version = req.path.split("/")[1]
    return {"@odata.context": f"{HOST}/{version}/$metadata#{kind}", "value": items}


def _entity(req, kind: str, body: dict) -> dict:
    version = req.path.split("/")[1]
    return {"@odata.context": f"{HOST}/{version}/$metadata#{kind}/$entity", **body}


def _one(req, kind: str, key: str, found: directory.Principal | None, render) -> Response:
    """The object found, in `kind`'s shape, or Graph's 404 naming what was asked for."""
    if found is None:
        raise errors.NOT_FOUND(name=key)
    return ok(_entity(req, kind, render(found)))


def _reader(req) -> None:
    if not req.caller.is_user:
        raise errors.ACCESS_DENIED()


# ---- $filter: the forms clients send ------------------------------------------------------------------

_EQ = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.I)
_ANY = re.compile(r"^\s*(\w+)/any\(\s*(\w+)\s*:\s*\2\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$", re.I)
_STARTS = re.compile(r"^\s*startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$", re.I)


def _matcher(expression: str | None):
    """(entity -> bool) for a $filter; Graph's 400 for a form the sandbox does not evaluate."""
    if expression is None:
        return lambda entity: True
    m = _EQ.match(expression)
    if m:
        field, value = m.group(1), m.group(2).replace("''", "'")
        return lambda e: str(_field(e, field) or "").lower() == value.lower()
    m = _ANY.match(expression)
    if m:
        field, value = m.group(1), m.group(3).replace("''", "'")
        return lambda e: value.lower() in (str(v).lower() for v in _field(e, field) or [])
    m = _STARTS.match(expression)
    if m:
        field, value = m.group(1), m.group(2).replace("''", "'")
        return lambda e: str(_field(e, field) or "").lower().startswith(value.lower())
    raise errors.FILTER_UNSUPPORTED(expression=expression)


def _field(entity: dict, name: str):
    return next((v for k, v in entity.items() if k.lower() == name.lower()), None)


def _principals(sb: Sandbox, kind: str) -> list[directory.Principal]:
    return [p for p in directory.all_principals(sb) if p.type == kind]


# ---- routes -------------------------------------------------------------------------------------------

@_route("GET", "/me")
def me(sb: Sandbox, req):
    if not req.caller.is_user:
        raise errors.ME_NEEDS_DELEGATED()
    return ok(_entity(req, "users", user_json(req.caller)))


@_route("GET", "/users")
def list_users(sb: Sandbox, req):
    _reader(req)
    match = _matcher(req.arg("$filter"))
    return ok(_collection(req, "users", [u for u in map(user_json, _principals(sb, "User")) if match(u)]))


@_route("GET", "/users/{idOrUpn}")
def get_user(sb: Sandbox, req, idOrUpn):
    _reader(req)
    key = idOrUpn[7:-2] if idOrUpn.startswith("users('") else idOrUpn
    found = next((p for p in _principals(sb, "User")
                  if key.lower() in (p.object_id.lower(), (p.upn or "").lower())), None)
    return _one(req, "users", key, found, user_json)


@_route("GET", "/servicePrincipals")
def list_service_principals(sb: Sandbox, req):
    _reader(req)
    match = _matcher(req.arg("$filter"))
    items = [s for s in map(service_principal_json, _principals(sb, "ServicePrincipal")) if match(s)]
    return ok(_collection(req, "servicePrincipals", items))


@_route("GET", "/servicePrincipals/{id}")
def get_service_principal(sb: Sandbox, req, id):
    _reader(req)
    found = directory.get(sb, id)
    return _one(req, "servicePrincipals", id, None if found is None or found.is_user else found,
                service_principal_json)


@_route("GET", "/servicePrincipals(appId='{appId}')")
def get_service_principal_by_app_id(sb: Sandbox, req, appId):
    _reader(req)
    return _one(req, "servicePrincipals", appId, directory.find(sb, client_id=appId), service_principal_json)


@_route("GET", "/directoryObjects/{id}")
def get_directory_object(sb: Sandbox, req, id):
    _reader(req)
    return _one(req, "directoryObjects", id, directory.get(sb, id), _typed)


@_route("POST", "/directoryObjects/getByIds")
def get_by_ids(sb: Sandbox, req):
    """The objects among `ids` that exist (unknown ids are left out, as Graph does), of `types` if given."""
    _reader(req)
    body = req.json_object()
    ids, types = body.get("ids"), body.get("types")
    if not isinstance(ids, list) or not ids:
        raise errors.IDS_REQUIRED()
    wanted = {str(t).lower() for t in types} if types else None
    found = [_typed(p) for p in (directory.get(sb, str(i)) for i in ids) if p is not None]
    if wanted is not None:
        found = [o for o in found if o["@odata.type"].rsplit(".", 1)[1].lower() in wanted]
    return ok(_collection(req, "directoryObjects", found))


@_route("GET", "/organization")
def organization(sb: Sandbox, req):
    return ok(_collection(req, "organization", [{
        "id": sb.tenant_id, "displayName": "CMK Lab", "verifiedDomains": [
            {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True, "isInitial": True,
             "name": present(sb.learner.upn, "the learner's UPN").split("@", 1)[1], "type": "Managed"}]}]))
