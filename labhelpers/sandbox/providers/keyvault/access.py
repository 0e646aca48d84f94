"""Who may do what in a vault's data plane: the one place Key Vault's access decisions are made, by the
vault's firewall (networkAcls) and then its permission model (Azure RBAC dataActions with scope
inheritance down to the key, or access policies; facts §B4–B5)."""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ... import rbac
from ...store import loads, present
from . import errors, models

if TYPE_CHECKING:
    from ...context import Sandbox

_A = "Microsoft.KeyVault/vaults/"


def _caller(req) -> str:
    c = req.claims
    return f"appid={c.get('appid')};oid={c.get('oid')};iss={c.get('iss')}"


_PUBLIC_KEY_ACTIONS = {_A + "keys/encrypt/action", _A + "keys/wrap/action", _A + "keys/verify/action"}


def _firewall(req, props: dict, where: str) -> None:
    """Key Vault's network rules, checked before any permission: with networkAcls.defaultAction Deny, only
    an address in ipRules passes, or a trusted Microsoft service when bypass is AzureServices (its default;
    key-vault/general/overview-vnet-service-endpoints.md)."""
    acls = props.get("networkAcls") or {}
    if str(acls.get("defaultAction", "Allow")).lower() != "deny":
        return
    if req.trusted_service and str(acls.get("bypass") or "AzureServices").lower() == "azureservices":
        return
    address = ipaddress.ip_address(req.client_ip)
    for rule in acls.get("ipRules") or []:
        try:
            if address in ipaddress.ip_network(str(rule.get("value", "")), strict=False):
                return
        except ValueError:
            continue
    raise errors.FORBIDDEN_BY_FIREWALL(client_ip=req.client_ip, caller=_caller(req), where=where)


def authorize(sb: Sandbox, req, vault: dict, action: str, permission: str, key: str | None = None) -> None:
    """Allow or 403: first the vault's firewall, then its permission model: RBAC dataActions at the key
    (or vault) scope, or the keys permissions of the caller's access policies."""
    props = loads(vault["properties"])
    where = f"{vault['name']};location={vault['location']}"
    _firewall(req, props, where)
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
            granted_by = present(decision.assignment_id, "the granting assignment")
            req.audit["appliedAssignmentId"] = granted_by.replace("-", "")
            return
        raise errors.RBAC_DENIES(caller=_caller(req), action=action, scope=scope.lower(), where=where)
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
        raise errors.NO_ACCESS_POLICY(caller=_caller(req), where=where)
    raise errors.ACCESS_POLICY_DENIES(caller=_caller(req).replace(';iss=', ';numgroups=0;iss='), permission=permission,
                                      where=where)


