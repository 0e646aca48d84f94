"""Who may do what in a vault's data plane: the one place Key Vault's access decisions are made, by the
vault's permission model (Azure RBAC dataActions with scope inheritance down to the key, or access
policies; facts §B4–B5)."""
from __future__ import annotations

from ... import rbac
from ...errors import AzureError
from ...store import loads
from . import models

_A = "Microsoft.KeyVault/vaults/"


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


