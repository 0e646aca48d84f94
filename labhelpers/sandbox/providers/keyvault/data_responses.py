"""The Key Vault data plane (https://{vault}.vault.azure.net): key routes and their wire format (wire
contract §3, azure-rest-specs/Microsoft.KeyVault-dataplane). Route names are the audit operationNames
(facts §E); who may call them is decided in access.py, the rules and state are in keys.py, rotation.py
and crypto.py.

app.py has already answered the challenge and verified the token: `req.caller` is the principal."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog
from ...encoding import b64url, unb64url
from ...errors import AzureError
from ...http import Response, ok
from ...routing import KEYVAULT
from ...store import loads, present
from . import access, crypto, errors, keys, models, rotation

if TYPE_CHECKING:
    from ...context import Sandbox

VERSIONS = catalog.table_versions("vault.azure.net/keys")
# 2016-10-01, then 7.0 to 7.6 (with previews), then dated versions again from 2025 on.
_DATED = [v for v in VERSIONS if v[:2] == "20" and v >= "2025"]
LATEST = max(v for v in _DATED if "preview" not in v)
ROTATION_VERSIONS = tuple(v for v in VERSIONS if v in _DATED or "7.3" <= v < "8")   # rotation arrived with 7.3
_MAX_PAGE = 25                                             # Key Vault's maxresults limit
_A = "Microsoft.KeyVault/vaults/"


def _version_error(req, route) -> AzureError:
    if req.api_version is None:     # wording unconfirmed; the code is Key Vault's
        return errors.API_VERSION_MISSING(latest=LATEST)
    # Key Vault's words, as the Ruby SDK's api-version fallback quotes them (azure-sdk-for-ruby).
    return errors.API_VERSION_UNKNOWN(api_version=req.api_version, latest=LATEST)


def _route(method: str, pattern: str, name: str, versions=VERSIONS):
    def register(handler):
        def in_the_version_asked_for(sb: Sandbox, req, **params):
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

def _vault(sb: Sandbox, req) -> dict:
    vault = models.row(sb, req.host_label)
    if vault is None:          # deleted while the client kept its connection open
        raise errors.VAULT_GONE(host_label=req.host_label)
    return vault


def _body(req) -> dict:
    try:
        return req.json_object()
    except AzureError as err:
        raise errors.BAD_PARAMETER_BODY(message=err.message)


def _prepare(sb: Sandbox, req, action: str, permission: str, name: str | None = None, version: str | None = None,
             *, deleted: bool = False) -> dict:
    """Vault lookup, the object id for the audit log, then authorisation (before any 404, as Key Vault)."""
    vault = _vault(sb, req)
    if name:
        host = f"https://{vault['key']}.vault.azure.net"
        req.audit["id"] = f"{host}/deletedkeys/{name}" if deleted else keys.key_url(vault, name, version)
    access.authorize(sb, req, vault, action, permission, name)
    return vault


def _paged(req, rows: list, render) -> dict:
    raw_max, raw_skip = req.arg("maxresults"), req.arg("$skiptoken", "0")
    # isdigit() alone takes '²' and '٣', which int() refuses
    if raw_max is not None and not (raw_max.isascii() and raw_max.isdigit() and 1 <= int(raw_max) <= _MAX_PAGE):
        raise errors.MAXRESULTS_OUT_OF_RANGE(raw_max=raw_max, max_page=_MAX_PAGE)
    if not (raw_skip.isascii() and raw_skip.isdigit()):
        raise errors.SKIPTOKEN_INVALID(raw_skip=raw_skip)
    size, skip = int(raw_max or _MAX_PAGE), int(raw_skip)
    page: dict = {"value": [render(r) for r in rows[skip:skip + size]], "nextLink": None}
    if skip + size < len(rows):
        more = f"maxresults={size}&" if raw_max else ""
        page["nextLink"] = (f"https://{req.host}:443{req.path.rstrip('/')}?api-version={req.api_version}&"
                            f"{more}$skiptoken={skip + size}")
    return page


def _with_version(req, vault: dict, v: dict) -> dict:
    req.audit["id"] = keys.key_url(vault, v["name"], v["version"])
    return _bundle(vault, v)


def _alg(body: dict) -> str | None:
    alg = body.get("alg")
    if alg is not None and not isinstance(alg, str):
        raise errors.PROPERTY_INVALID(name="alg")
    return alg


def _value(body: dict, field: str) -> bytes:
    text = body.get(field)
    if not isinstance(text, str):
        raise errors.VALUE_REQUIRED(field=field)
    try:
        return unb64url(text)
    except ValueError:
        raise errors.VALUE_NOT_BASE64URL(field=field)


# ---- wire shapes ----------------------------------------------------------------------------------

def _recovery_level(vault: dict) -> str:
    days = models.retention_days(vault)
    level = "Recoverable" if models.purge_protected(vault) else "Recoverable+Purgeable"
    return level if days == 90 else "Customized" + level


def attributes(vault: dict, v: dict) -> dict:
    """A key version's attributes, as the data plane and ARM's vaults/keys both show them."""
    attrs = {"enabled": bool(v["enabled"]), "created": int(v["created"]), "updated": int(v["updated"]),
             "recoveryLevel": _recovery_level(vault), "recoverableDays": models.retention_days(vault),
             "exportable": False,
             # "0" = software-protected, "2" = the FIPS 140-3 Level 3 HSM platform (Azure/azure-sdk-for-java
             # keys tests assert "0" for a vault's software keys; the attribute exists from 7.5 on)
             "hsmPlatform": "2" if str(v["kty"]).endswith("-HSM") else "0"}
    for field in ("nbf", "exp"):
        if v[field] is not None:
            attrs[field] = int(v[field])
    return attrs


def _bundle(vault: dict, v: dict) -> dict:
    """KeyBundle: the public JWK, attributes and tags (never the private part)."""
    jwk = {"kid": keys.key_url(vault, v["name"], v["version"]), "kty": v["kty"], "key_ops": loads(v["key_ops"]),
           **crypto.public_jwk(v)}
    return _with_tags({"key": jwk, "attributes": attributes(vault, v)}, v)


def _with_tags(body: dict, v: dict) -> dict:
    """Key Vault leaves `tags` out when a key has none (recorded 2025-07-01 answers, issue #8)."""
    tags = loads(v["tags"])
    return {**body, "tags": tags} if tags else body


def _item(vault: dict, v: dict, *, versioned: bool) -> dict:
    """KeyItem (list entries): the key id (with version for version lists), attributes, tags."""
    return _with_tags({"kid": keys.key_url(vault, v["name"], v["version"] if versioned else None),
                       "attributes": attributes(vault, v)}, v)


def _deleted_extra(vault: dict, k: dict) -> dict:
    return {"recoveryId": f"https://{vault['key']}.vault.azure.net/deletedkeys/{k['name']}",
            "deletedDate": int(k["deleted"]), "scheduledPurgeDate": int(k["purge_at"])}


def _policy_json(sb: Sandbox, vault: dict, name: str) -> dict:
    k, policy = rotation.policy(sb, vault, name)
    attrs = dict(policy["attributes"])
    if k["policy_created"] is not None:
        attrs.update(created=int(k["policy_created"]), updated=int(k["policy_updated"]))
    return {"id": f"{keys.key_url(vault, k['name'])}/rotationpolicy", "lifetimeActions": policy["lifetimeActions"],
            "attributes": attrs}


# ---- keys -----------------------------------------------------------------------------------------

@_route("POST", "/keys/{name}/create", "KeyCreate")
def create_key(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/create/action", "create", name)
    return ok(_with_version(req, vault, keys.create(sb, vault, name, _body(req))))


@_route("POST", "/keys/{name}/rotate", "KeyRotate", ROTATION_VERSIONS)
def rotate_key(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/rotate/action", "rotate", name)
    return ok(_with_version(req, vault, present(rotation.rotate(sb, vault, name), name)))   # None only when due


@_route("GET", "/keys", "KeyList")
def list_keys(sb: Sandbox, req):
    vault = _prepare(sb, req, _A + "keys/read", "list")
    return ok(_paged(req, keys.list_latest(sb, vault), lambda v: _item(vault, v, versioned=False)))


@_route("GET", "/keys/{name}/versions", "KeyListVersions")
def list_versions(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/read", "list", name)
    return ok(_paged(req, keys.list_versions(sb, vault, name), lambda v: _item(vault, v, versioned=True)))


@_route("GET", "/keys/{name}/rotationpolicy", "KeyRotationPolicyGet", ROTATION_VERSIONS)
def get_rotation_policy(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keyrotationpolicies/read", "getrotationpolicy", name)
    return ok(_policy_json(sb, vault, name))


@_route("PUT", "/keys/{name}/rotationpolicy", "KeyRotationPolicySet", ROTATION_VERSIONS)
def set_rotation_policy(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keyrotationpolicies/write", "setrotationpolicy", name)
    rotation.set_policy(sb, vault, name, _body(req))
    return ok(_policy_json(sb, vault, name))


@_route("GET", "/keys/{name}", "KeyGet")
def get_latest(sb: Sandbox, req, name):
    return get_key(sb, req, name, None)


@_route("GET", "/keys/{name}/{version}", "KeyGet")
def get_key(sb: Sandbox, req, name, version):
    vault = _prepare(sb, req, _A + "keys/read", "get", name, version)
    return ok(_with_version(req, vault, keys.version_row(sb, vault, name, version)))


@_route("PATCH", "/keys/{name}", "KeyUpdate")
def update_latest(sb: Sandbox, req, name):
    return update_key(sb, req, name, None)


@_route("PATCH", "/keys/{name}/{version}", "KeyUpdate")
def update_key(sb: Sandbox, req, name, version):
    vault = _prepare(sb, req, _A + "keys/update/action", "update", name, version)
    return ok(_with_version(req, vault, keys.update(sb, vault, name, version, _body(req))))


@_route("DELETE", "/keys/{name}", "KeyDelete")
def delete_key(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/delete", "delete", name)
    k = keys.delete(sb, vault, name)
    return ok({**_bundle(vault, present(keys.latest(sb, vault["key"], k["key"]), name)), **_deleted_extra(vault, k)})


# ---- deleted keys ---------------------------------------------------------------------------------

@_route("GET", "/deletedkeys", "KeyListDeleted")
def list_deleted(sb: Sandbox, req):
    vault = _prepare(sb, req, _A + "keys/read", "list")
    return ok(_paged(req, keys.deleted_rows(sb, vault),
                     lambda r: {**_item(vault, r, versioned=False), **_deleted_extra(vault, r)}))


@_route("GET", "/deletedkeys/{name}", "KeyGetDeleted")
def get_deleted(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/read", "get", name, deleted=True)
    rows = keys.deleted_rows(sb, vault, name.lower())
    if not rows:
        raise errors.DELETED_KEY_NOT_FOUND(name=name)
    return ok({**_bundle(vault, rows[0]), **_deleted_extra(vault, rows[0])})


@_route("POST", "/deletedkeys/{name}/recover", "KeyRecover")
def recover_key(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/recover/action", "recover", name, deleted=True)
    keys.recover(sb, vault, name)
    return ok(_with_version(req, vault, keys.version_row(sb, vault, name)))


@_route("DELETE", "/deletedkeys/{name}", "KeyPurge")
def purge_key(sb: Sandbox, req, name):
    vault = _prepare(sb, req, _A + "keys/purge/action", "purge", name, deleted=True)
    keys.purge(sb, vault, name)
    return Response(204)


# ---- cryptographic operations (wire contract §3.3, §3.5) ------------------------------------------

def _crypto(op: str, action: str, audit_name: str, path: str):
    """Register POST /keys/{name}/{version}/{path} for one of encrypt/decrypt/wrapKey/unwrapKey."""
    transform = {"encrypt": crypto.encrypt, "wrapKey": crypto.encrypt,
                 "decrypt": crypto.decrypt, "unwrapKey": crypto.decrypt}[op]

    @_route("POST", "/keys/{name}/{version}/" + path, audit_name)
    def handler(sb: Sandbox, req, name, version):
        vault = _prepare(sb, req, _A + action, op, name, version)
        body = _body(req)
        v = keys.version_row(sb, vault, name, version)
        crypto.usable(sb, v, op)
        result = transform(v, _alg(body), _value(body, "value"))
        return ok({"kid": keys.key_url(vault, v["name"], v["version"]), "value": b64url(result)})
    handler.__name__ = f"{op}_handler"
    return handler


_crypto("wrapKey", "keys/wrap/action", "KeyWrap", "wrapkey")
_crypto("unwrapKey", "keys/unwrap/action", "KeyUnwrap", "unwrapkey")
_crypto("encrypt", "keys/encrypt/action", "KeyEncrypt", "encrypt")
_crypto("decrypt", "keys/decrypt/action", "KeyDecrypt", "decrypt")


@_route("POST", "/keys/{name}/{version}/sign", "KeySign")
def sign(sb: Sandbox, req, name, version):
    vault = _prepare(sb, req, _A + "keys/sign/action", "sign", name, version)
    body = _body(req)
    v = keys.version_row(sb, vault, name, version)
    crypto.usable(sb, v, "sign")
    signature = crypto.sign(v, _alg(body), _value(body, "value"))
    return ok({"kid": keys.key_url(vault, v["name"], v["version"]), "value": b64url(signature)})


@_route("POST", "/keys/{name}/{version}/verify", "KeyVerify")
def verify(sb: Sandbox, req, name, version):
    vault = _prepare(sb, req, _A + "keys/verify/action", "verify", name, version)
    body = _body(req)
    v = keys.version_row(sb, vault, name, version)
    crypto.usable(sb, v, "verify")
    valid = crypto.verify(v, _alg(body), _value(body, "digest"),
                        _value(body, "value"))
    return ok({"value": valid})
