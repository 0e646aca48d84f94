"""The Key Vault data plane (https://{vault}.vault.azure.net): key routes, their authorisation
(Azure RBAC dataActions or access policies, facts §B4–B5) and wire format (wire contract §3,
azure-rest-specs/Microsoft.KeyVault-dataplane). Route names are the audit operationNames (facts §E).

app.py has already answered the challenge and verified the token: `req.caller` is the principal."""
from __future__ import annotations

from ... import catalog, rbac, registry
from ...errors import AzureError
from ...http import Response, ok
from ...routing import KEYVAULT
from ...store import loads
from . import audit, keys, models

VERSIONS = catalog.table_versions("vault.azure.net/keys")
# 2016-10-01, then 7.0 to 7.6 (with previews), then dated versions again from 2025 on.
_DATED = [v for v in VERSIONS if v[:2] == "20" and v >= "2025"]
LATEST = max(v for v in _DATED if "preview" not in v)
ROTATION_VERSIONS = tuple(v for v in VERSIONS if v in _DATED or "7.3" <= v < "8")   # rotation arrived with 7.3
SERVICE_VERSION = "1.9.2795.1"
_MAX_PAGE = 25                                             # Key Vault's maxresults limit
_A = "Microsoft.KeyVault/vaults/"


def _version_error(req, route) -> AzureError:
    if req.api_version is None:     # wording unconfirmed; the code is Key Vault's
        return AzureError(400, "BadParameter", "The api-version query parameter is missing. Add "
                                               f"?api-version={LATEST} to the request URI.")
    # Key Vault's words, as the Ruby SDK's api-version fallback quotes them (azure-sdk-for-ruby).
    return AzureError(400, "BadParameter", f"The specified version ({req.api_version}) is not recognized. "
                                           f"Consider using the latest supported version ({LATEST}).")


def _route(method: str, pattern: str, name: str, versions=VERSIONS):
    def register(handler):
        def in_the_version_asked_for(sb, req, **params):
            return _as_version(req.api_version, handler(sb, req, **params))
        in_the_version_asked_for.__name__ = handler.__name__
        KEYVAULT.route(method, pattern, api_versions=versions, version_error=_version_error, name=name)(
            in_the_version_asked_for)
        return handler
    return register


# Versions before 7.5 have no attributes.hsmPlatform (it arrived with 7.5: the spec's KeyAttributes, and
# Azure.Security.KeyVault.Keys tests assert it only from ServiceVersion V7_5): answer in the shape asked for.
_BEFORE_HSM_PLATFORM = {v for v in VERSIONS if v == "2016-10-01" or (v[:2] == "7." and v < "7.5")}


def _as_version(api_version: str | None, resp: Response) -> Response:
    if api_version not in _BEFORE_HSM_PLATFORM or not isinstance(resp.body, dict):
        return resp
    for entry in [resp.body, *(resp.body.get("value") or [])]:
        if isinstance(entry, dict) and isinstance(entry.get("attributes"), dict):
            entry["attributes"].pop("hsmPlatform", None)
    return resp


# ---- shared steps ---------------------------------------------------------------------------------

def _vault(sb, req) -> dict:
    vault = models.row(sb, req.host_label)
    if vault is None:          # deleted while the client kept its connection open
        raise AzureError(404, "VaultNotFound", f"The vault '{req.host_label}' does not exist or was deleted.")
    return vault


def _body(req) -> dict:
    try:
        return req.json_object()
    except AzureError as err:
        raise keys.bad(err.message)


def _caller(req) -> str:
    c = req.claims
    return f"appid={c.get('appid')};oid={c.get('oid')};iss={c.get('iss')}"


_PUBLIC_KEY_ACTIONS = {_A + "keys/encrypt/action", _A + "keys/wrap/action", _A + "keys/verify/action"}


def authorize(sb, req, vault: dict, action: str, permission: str, key: str | None = None) -> None:
    """Allow or 403 as the vault's permission model says: RBAC dataActions at the key (or vault)
    scope, or the keys permissions of the caller's access policies."""
    props = loads(vault["properties"])
    where = f"{vault['name']};location={vault['location']}"
    vid = models.vault_id(vault["subscription_id"], vault["resource_group"], vault["name"])
    scope = f"{vid}/keys/{key}" if key else vid
    if props.get("enableRbacAuthorization"):
        decision = rbac.evaluate(sb, req.caller.object_id, action, scope, data=True)
        if not decision.allowed and action in _PUBLIC_KEY_ACTIONS:
            # "If the key is asymmetric, this operation can be performed by principals with read access"
            # (Azure resource provider operations, Microsoft.KeyVault); every key here is RSA or EC.
            decision = rbac.evaluate(sb, req.caller.object_id, _A + "keys/read", scope, data=True)
        req.audit["isRbacAuthorized"] = decision.allowed
        if decision.allowed:
            req.audit["appliedAssignmentId"] = decision.assignment_id.replace("-", "")
            return
        raise AzureError(403, "Forbidden", (   # facts §B5, verbatim shape
            "Caller is not authorized to perform action on resource.\r\n"
            "If role assignments, deny assignments or role definitions were changed recently, please observe "
            "propagation time.\r\n"
            f"Caller: {_caller(req)}\r\nAction: '{action}'\r\nResource: '{scope.lower()}'\r\n"
            "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\n"
            f"Vault: {where}\r\n"), innererror={"code": "ForbiddenByRbac"})
    oid, appid = req.caller.object_id.lower(), str(req.claims.get("appid", "")).lower()
    entries = [p for p in props.get("accessPolicies", [])
               if str(p.get("objectId", "")).lower() == oid
               and str(p.get("applicationId") or appid).lower() == appid]
    granted = {str(p).lower() for e in entries for p in (e.get("permissions") or {}).get("keys", [])}
    allowed = permission.lower() in granted or "all" in granted
    req.audit["isAccessPolicyMatch"] = allowed
    if allowed:
        return
    if not entries:
        raise AzureError(403, "Forbidden", "Access denied. Caller was not found on any access policy.\r\n"
                                           f"Caller: {_caller(req)}\r\nVault: {where}",
                         innererror={"code": "AccessDenied"})
    raise AzureError(403, "Forbidden",
                     f"The user, group or application '{_caller(req).replace(';iss=', ';numgroups=0;iss=')}' does not "
                     f"have keys {permission} permission on key vault '{where}'. For help resolving this issue, "
                     "please see https://go.microsoft.com/fwlink/?linkid=2125287", innererror={"code": "AccessDenied"})


def _prepare(sb, req, action: str, permission: str, name: str | None = None, version: str | None = None,
             *, deleted: bool = False) -> dict:
    """Vault lookup, the object id for the audit log, then authorisation (before any 404, as Key Vault)."""
    vault = _vault(sb, req)
    if name:
        host = f"https://{vault['key']}.vault.azure.net"
        req.audit["id"] = f"{host}/deletedkeys/{name}" if deleted else keys.key_url(vault, name, version)
    authorize(sb, req, vault, action, permission, name)
    return vault


def _paged(req, rows: list, render) -> dict:
    raw_max, raw_skip = req.arg("maxresults"), req.arg("$skiptoken", "0")
    if raw_max is not None and (not raw_max.isdigit() or not 1 <= int(raw_max) <= _MAX_PAGE):
        raise keys.bad(f"The value '{raw_max}' of maxresults is out of range: it must be between 1 and {_MAX_PAGE}.")
    if not raw_skip.isdigit():
        raise keys.bad(f"The $skiptoken '{raw_skip}' is not valid.")
    size, skip = int(raw_max or _MAX_PAGE), int(raw_skip)
    page = {"value": [render(r) for r in rows[skip:skip + size]], "nextLink": None}
    if skip + size < len(rows):
        more = f"maxresults={size}&" if raw_max else ""
        page["nextLink"] = (f"https://{req.host}:443{req.path.rstrip('/')}?api-version={req.api_version}&"
                            f"{more}$skiptoken={skip + size}")
    return page


def _with_version(req, vault: dict, v: dict) -> dict:
    req.audit["id"] = keys.key_url(vault, v["name"], v["version"])
    return keys.bundle(vault, v)


# ---- keys -----------------------------------------------------------------------------------------

@_route("POST", "/keys/{name}/create", "KeyCreate")
def create_key(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/create/action", "create", name)
    return ok(_with_version(req, vault, keys.create(sb, vault, name, _body(req))))


@_route("POST", "/keys/{name}/rotate", "KeyRotate", ROTATION_VERSIONS)
def rotate_key(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/rotate/action", "rotate", name)
    return ok(_with_version(req, vault, keys.rotate(sb, vault, name)))


@_route("GET", "/keys", "KeyList")
def list_keys(sb, req):
    vault = _prepare(sb, req, _A + "keys/read", "list")
    rows = sb.store.all(
        "SELECT v.* FROM kv_key_versions v JOIN kv_keys k ON k.vault = v.vault AND k.key = v.key "
        "WHERE v.vault = ? AND k.deleted IS NULL AND v.seq = "
        "(SELECT MAX(seq) FROM kv_key_versions WHERE vault = v.vault AND key = v.key) ORDER BY v.key",
        (vault["key"],))
    return ok(_paged(req, rows, lambda v: keys.item(vault, v, versioned=False)))


@_route("GET", "/keys/{name}/versions", "KeyListVersions")
def list_versions(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/read", "list", name)
    k = keys.live_row(sb, vault, name)
    rows = sb.store.all("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? ORDER BY seq",
                        (vault["key"], k["key"]))
    return ok(_paged(req, rows, lambda v: keys.item(vault, v, versioned=True)))


@_route("GET", "/keys/{name}/rotationpolicy", "KeyRotationPolicyGet", ROTATION_VERSIONS)
def get_rotation_policy(sb, req, name):
    vault = _prepare(sb, req, _A + "keyrotationpolicies/read", "getrotationpolicy", name)
    return ok(keys.policy_json(sb, vault, name))


@_route("PUT", "/keys/{name}/rotationpolicy", "KeyRotationPolicySet", ROTATION_VERSIONS)
def set_rotation_policy(sb, req, name):
    vault = _prepare(sb, req, _A + "keyrotationpolicies/write", "setrotationpolicy", name)
    return ok(keys.set_policy(sb, vault, name, _body(req)))


@_route("GET", "/keys/{name}", "KeyGet")
def get_latest(sb, req, name):
    return get_key(sb, req, name, None)


@_route("GET", "/keys/{name}/{version}", "KeyGet")
def get_key(sb, req, name, version):
    vault = _prepare(sb, req, _A + "keys/read", "get", name, version)
    return ok(_with_version(req, vault, keys.version_row(sb, vault, name, version)))


@_route("PATCH", "/keys/{name}", "KeyUpdate")
def update_latest(sb, req, name):
    return update_key(sb, req, name, None)


@_route("PATCH", "/keys/{name}/{version}", "KeyUpdate")
def update_key(sb, req, name, version):
    vault = _prepare(sb, req, _A + "keys/update/action", "update", name, version)
    return ok(_with_version(req, vault, keys.update(sb, vault, name, version, _body(req))))


@_route("DELETE", "/keys/{name}", "KeyDelete")
def delete_key(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/delete", "delete", name)
    k = keys.delete(sb, vault, name)
    latest = sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? ORDER BY seq DESC LIMIT 1",
                          (vault["key"], k["key"]))
    return ok({**keys.bundle(vault, latest), **keys.deleted_extra(vault, k)})


# ---- deleted keys ---------------------------------------------------------------------------------

def _deleted_rows(sb, vault: dict, key: str | None = None) -> list[dict]:
    """Deleted keys joined with their latest version: (key row fields, version fields)."""
    return sb.store.all(
        "SELECT v.*, k.deleted, k.purge_at FROM kv_keys k JOIN kv_key_versions v ON v.vault = k.vault AND "
        "v.key = k.key WHERE k.vault = ? AND k.deleted IS NOT NULL AND (? IS NULL OR k.key = ?) AND v.seq = "
        "(SELECT MAX(seq) FROM kv_key_versions WHERE vault = k.vault AND key = k.key) ORDER BY k.key",
        (vault["key"], key, key))


@_route("GET", "/deletedkeys", "KeyListDeleted")
def list_deleted(sb, req):
    vault = _prepare(sb, req, _A + "keys/read", "list")
    return ok(_paged(req, _deleted_rows(sb, vault),
                     lambda r: {**keys.item(vault, r, versioned=False), **keys.deleted_extra(vault, r)}))


@_route("GET", "/deletedkeys/{name}", "KeyGetDeleted")
def get_deleted(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/read", "get", name, deleted=True)
    rows = _deleted_rows(sb, vault, name.lower())
    if not rows:
        raise keys.deleted_not_found(name)
    return ok({**keys.bundle(vault, rows[0]), **keys.deleted_extra(vault, rows[0])})


@_route("POST", "/deletedkeys/{name}/recover", "KeyRecover")
def recover_key(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/recover/action", "recover", name, deleted=True)
    keys.recover(sb, vault, name)
    return ok(_with_version(req, vault, keys.version_row(sb, vault, name)))


@_route("DELETE", "/deletedkeys/{name}", "KeyPurge")
def purge_key(sb, req, name):
    vault = _prepare(sb, req, _A + "keys/purge/action", "purge", name, deleted=True)
    keys.purge(sb, vault, name)
    return Response(204)


# ---- cryptographic operations (wire contract §3.3, §3.5) ------------------------------------------

def _crypto(op: str, action: str, audit_name: str, path: str):
    """Register POST /keys/{name}/{version}/{path} for one of encrypt/decrypt/wrapKey/unwrapKey."""
    transform = {"encrypt": keys.encrypt, "wrapKey": keys.encrypt,
                 "decrypt": keys.decrypt, "unwrapKey": keys.decrypt}[op]

    @_route("POST", "/keys/{name}/{version}/" + path, audit_name)
    def handler(sb, req, name, version):
        vault = _prepare(sb, req, _A + action, op, name, version)
        body = _body(req)
        v = keys.version_row(sb, vault, name, version)
        keys.usable(sb, v, op)
        result = transform(v, body.get("alg"), keys.unb64url(body.get("value"), "value"))
        return ok({"kid": keys.key_url(vault, v["name"], v["version"]), "value": keys.b64url(result)})
    handler.__name__ = f"{op}_handler"
    return handler


_crypto("wrapKey", "keys/wrap/action", "KeyWrap", "wrapkey")
_crypto("unwrapKey", "keys/unwrap/action", "KeyUnwrap", "unwrapkey")
_crypto("encrypt", "keys/encrypt/action", "KeyEncrypt", "encrypt")
_crypto("decrypt", "keys/decrypt/action", "KeyDecrypt", "decrypt")


@_route("POST", "/keys/{name}/{version}/sign", "KeySign")
def sign(sb, req, name, version):
    vault = _prepare(sb, req, _A + "keys/sign/action", "sign", name, version)
    body = _body(req)
    v = keys.version_row(sb, vault, name, version)
    keys.usable(sb, v, "sign")
    signature = keys.sign(v, body.get("alg"), keys.unb64url(body.get("value"), "value"))
    return ok({"kid": keys.key_url(vault, v["name"], v["version"]), "value": keys.b64url(signature)})


@_route("POST", "/keys/{name}/{version}/verify", "KeyVerify")
def verify(sb, req, name, version):
    vault = _prepare(sb, req, _A + "keys/verify/action", "verify", name, version)
    body = _body(req)
    v = keys.version_row(sb, vault, name, version)
    keys.usable(sb, v, "verify")
    valid = keys.verify(v, body.get("alg"), keys.unb64url(body.get("digest"), "digest"),
                        keys.unb64url(body.get("value"), "value"))
    return ok({"value": valid})


# ---- after every request: Key Vault's headers and the audit log -----------------------------------

@registry.observer("keyvault")
def _observe(sb, req, resp, duration_ms: float) -> None:
    vault = models.row(sb, req.host_label, deleted=None)
    if vault:
        resp.headers.setdefault("x-ms-keyvault-region", vault["location"])
    resp.headers.setdefault("x-ms-keyvault-service-version", SERVICE_VERSION)
    resp.headers.setdefault("x-ms-keyvault-network-info",
                            f"conn_type=Ipv4;addr={req.client_ip};act_addr_fam=InterNetwork;")
    audit.record_request(sb, req, resp, duration_ms, vault)
