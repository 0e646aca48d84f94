"""Microsoft.KeyVault/vaults/keys and vaults/accessPolicies on ARM: what ARM templates, Bicep and
the CLI's access-policy commands use (the 2026-05-15 spec, operations Keys_CreateIfNotExist,
Keys_Get, Keys_List, Keys_GetVersion, Keys_ListVersions and Vaults_UpdateAccessPolicy). These are
management operations: ARM RBAC (`vaults/keys/write`), not the vault's data-plane permissions."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog
from ...errors import AzureError
from ...http import ok
from ...routing import ARM
from ...store import loads
from ..resources.models import require_group
from . import data_responses, errors, keys, models

if TYPE_CHECKING:
    from ...context import Sandbox

_VAULT = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault"
          "/vaults/{vaultName}")
_KEY = _VAULT + "/keys/{keyName}"
KEY_TYPE = "Microsoft.KeyVault/vaults/keys"


def _route(method: str, pattern: str, action: str, type_name: str, name: str):
    return ARM.route(method, pattern, action=action,
                     api_versions=catalog.api_versions("Microsoft.KeyVault", type_name),
                     version_error=catalog.version_error("Microsoft.KeyVault", type_name), name=name)


def _vault(sb: Sandbox, subscription_id: str, group: str, name: str) -> dict:
    require_group(sb, subscription_id, group)
    vault = models.live_in_group(sb, subscription_id, group, name)
    if vault is None:
        raise models.not_found(name, group)
    return vault


def key_json(sb: Sandbox, vault: dict, v: dict, *, versioned: bool = False) -> dict:
    """The ARM Key resource (spec definition Key): the data-plane key seen as a proxy resource."""
    vid = models.vault_id(vault["subscription_id"], vault["resource_group"], vault["name"])
    attrs = data_responses.attributes(vault, v)
    for field in ("recoverableDays", "hsmPlatform"):      # not in the ARM KeyAttributes
        attrs.pop(field, None)
    props = {"attributes": attrs, "kty": v["kty"], "keyOps": loads(v["key_ops"]),
             "keyUri": keys.key_url(vault, v["name"]),
             "keyUriWithVersion": keys.key_url(vault, v["name"], v["version"])}
    if v["size"]:
        props["keySize"] = v["size"]
    if v["crv"]:
        props["curveName"] = v["crv"]
    out = {"id": f"{vid}/keys/{v['name']}" + (f"/versions/{v['version']}" if versioned else ""),
           "name": v["version"] if versioned else v["name"], "type": KEY_TYPE + ("/versions" if versioned else ""),
           "location": vault["location"], "tags": loads(v["tags"]), "properties": props}
    return out


@_route("PUT", _KEY, "Microsoft.KeyVault/vaults/keys/write", "vaults/keys", "ArmKeyCreateIfNotExist")
def create_if_not_exist(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName, keyName):
    """Creates the first version of a key; an existing key is returned unchanged (the spec's words:
    'does not create subsequent versions, and does not update existing keys')."""
    vault = _vault(sb, subscriptionId, resourceGroupName, vaultName)
    body = req.json_object()
    props = body.get("properties")
    if not isinstance(props, dict):
        raise errors.ARM_KEY_PROPERTIES_REQUIRED()
    r = keys.name_row(sb, vault, keyName)
    if r is not None and r["deleted"] is None:
        return ok(key_json(sb, vault, keys.version_row(sb, vault, keyName)))
    data_body = {"kty": props.get("kty"), "key_size": props.get("keySize"), "crv": props.get("curveName"),
                 "key_ops": props.get("keyOps"), "attributes": props.get("attributes") or {},
                 "tags": body.get("tags")}
    v = keys.create(sb, vault, keyName, {k: val for k, val in data_body.items() if val is not None})
    return ok(key_json(sb, vault, v))


@_route("GET", _KEY, "Microsoft.KeyVault/vaults/keys/read", "vaults/keys", "ArmKeyGet")
def get_key(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName, keyName):
    vault = _vault(sb, subscriptionId, resourceGroupName, vaultName)
    return ok(key_json(sb, vault, _arm_version(sb, vault, keyName)))


@_route("GET", _VAULT + "/keys", "Microsoft.KeyVault/vaults/keys/read", "vaults/keys", "ArmKeyList")
def list_keys(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName):
    vault = _vault(sb, subscriptionId, resourceGroupName, vaultName)
    return ok({"value": [key_json(sb, vault, v) for v in keys.list_latest(sb, vault)]})


@_route("GET", _KEY + "/versions", "Microsoft.KeyVault/vaults/keys/versions/read", "vaults/keys", "ArmKeyListVersions")
def list_versions(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName, keyName):
    vault = _vault(sb, subscriptionId, resourceGroupName, vaultName)
    _arm_version(sb, vault, keyName)
    rows = sb.store.all("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? ORDER BY seq",
                        (vault["key"], keyName.lower()))
    return ok({"value": [key_json(sb, vault, v, versioned=True) for v in rows]})


@_route("GET", _KEY + "/versions/{keyVersion}", "Microsoft.KeyVault/vaults/keys/versions/read", "vaults/keys",
        "ArmKeyGetVersion")
def get_version(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName, keyName, keyVersion):
    vault = _vault(sb, subscriptionId, resourceGroupName, vaultName)
    return ok(key_json(sb, vault, _arm_version(sb, vault, keyName, keyVersion), versioned=True))


def _arm_version(sb: Sandbox, vault: dict, name: str, version: str | None = None) -> dict:
    try:
        return keys.version_row(sb, vault, name, version)
    except AzureError:
        path = f"{vault['name']}/{name}" + (f"/{version}" if version else "")
        raise errors.ARM_KEY_NOT_FOUND(key_type=KEY_TYPE, path=path, resource_group=vault['resource_group'])


# ---- access policies ------------------------------------------------------------------------------

@_route("PUT", _VAULT + "/accessPolicies/{operationKind}", "Microsoft.KeyVault/vaults/accessPolicies/write",
        "vaults/accessPolicies", "VaultUpdateAccessPolicy")
def update_access_policy(sb: Sandbox, req, subscriptionId, resourceGroupName, vaultName, operationKind):
    """add (merge permissions), replace (set them) or remove (take them away; an entry left with
    none goes) the entries sent, matched by tenantId, objectId and applicationId."""
    kind = operationKind.lower()
    if kind not in ("add", "replace", "remove"):
        raise errors.ACCESS_POLICY_UPDATE_KIND_INVALID(operation_kind=operationKind)
    vault = _vault(sb, subscriptionId, resourceGroupName, vaultName)
    sent = (req.json_object().get("properties") or {}).get("accessPolicies")
    if not isinstance(sent, list) or not all(isinstance(e, dict) and e.get("objectId") for e in sent):
        raise errors.ACCESS_POLICY_UPDATE_INVALID()
    for entry in sent:
        models.check_permissions(entry.get("permissions") or {})
    policies = [dict(e) for e in loads(vault["properties"]).get("accessPolicies", [])]
    for entry in sent:
        match = next((p for p in policies if _same_principal(p, entry)), None)
        if match is None:
            if kind != "remove":
                policies.append(entry)
            continue
        perms = {}
        for k in models.PERMISSIONS:          # names are case-insensitive; kept as first written
            have, given = (match.get("permissions") or {}).get(k) or [], (entry.get("permissions") or {}).get(k) or []
            lower = {str(p).lower() for p in given}
            perms[k] = (list(given) if kind == "replace" else
                        have + [p for p in given if str(p).lower() not in {str(h).lower() for h in have}]
                        if kind == "add" else [p for p in have if str(p).lower() not in lower])
        match["permissions"] = {k: v for k, v in perms.items() if v}
        if kind == "remove" and not match["permissions"]:
            policies.remove(match)
    models.update(sb, req.caller, subscriptionId, vault["resource_group"], vault["name"],
                  {"properties": {"accessPolicies": policies}})
    vid = models.vault_id(vault["subscription_id"], vault["resource_group"], vault["name"])
    return ok({"id": f"{vid}/accessPolicies/{kind}", "name": kind, "type": "Microsoft.KeyVault/vaults/accessPolicies",
               "location": vault["location"], "properties": {"accessPolicies": sent}})


def _same_principal(a: dict, b: dict) -> bool:
    return all(str(a.get(k) or "").lower() == str(b.get(k) or "").lower()
               for k in ("tenantId", "objectId", "applicationId"))
