"""Customer-managed keys for an account: the checks Azure documents (facts §C1–C3) and the key use
itself, done AS THE ACCOUNT'S MANAGED IDENTITY through the same pipeline as any client (a token from
the sandbox's Entra ID, `app.handle` on `{vault}.vault.azure.net`), so Key Vault's RBAC decides and
its audit log shows the identity's KeyGet / KeyWrap / KeyUnwrap.

Like a resource provider, the account holds a data-encryption key (DEK) only wrapped by the key:
configuring CMK wraps a fresh DEK (remote wrapkey) and proves it can unwrap it; every later use of
the account unwraps it again and re-reads the key, so a revoked role, a disabled, deleted or expired
key stops the account at its next request. Nothing is cached between uses."""
from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ... import app, directory
from ...clock import iso
from ...encoding import b64url, unb64url
from ...errors import AzureError
from ...http import Request
from ...store import loads, present
from ..keyvault import models as kv_models
from . import accounts, errors, models

if TYPE_CHECKING:
    from ...context import Sandbox

KV_API = "7.4"                        # what first-party resource providers send (facts §E sample)
KV_AUDIENCE = "https://vault.azure.net"
USER_AGENT = "Microsoft.CognitiveServices/accounts (resource provider; customer-managed key)"
WRAP_ALG = "RSA-OAEP-256"
ACTION = {"get": "Microsoft.KeyVault/vaults/keys/read", "wrapkey": "Microsoft.KeyVault/vaults/keys/wrap/action",
          "unwrapkey": "Microsoft.KeyVault/vaults/keys/unwrap/action"}
_VERB = {"get": "read the key", "wrapkey": "wrap a key", "unwrapkey": "unwrap a key"}
_VAULT_URI = re.compile(r"^([a-z0-9-]{3,24})\.vault\.azure\.net$", re.I)
HEALTHY = "Access to the configured customer managed key confirmed."
ROLE_HINT = ("Assign it a role with that data action on the key or the vault, e.g. 'Key Vault Crypto Service "
             "Encryption User' (e147488a-f6f5-4113-8e2d-b22465e65bf6).")


class KeyProblem(Exception):
    """The account cannot use its key: `code` names the condition, the message says what to fix."""

    def __init__(self, code: str, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details

    def as_error(self, status: int) -> AzureError:
        return AzureError(status, self.code, self.message, details=self.details)


@dataclass
class KeyRef:
    vault: str                          # vault name (its DNS label)
    name: str
    version: str | None                 # None: follow the key's latest version
    client_id: str | None               # identityClientId


def key_ref(encryption: dict) -> KeyRef:
    """keyVaultProperties → KeyRef, or 400 'KeyVaultProperties is invalid' (FS README wording)."""
    kv = encryption.get("keyVaultProperties") or {}
    uri, name = kv.get("keyVaultUri"), kv.get("keyName")
    problems = []
    host = urlsplit(uri).hostname if isinstance(uri, str) and uri.lower().startswith("https://") else None
    match = _VAULT_URI.match(host or "")
    if not uri:
        problems.append("keyVaultUri is required (https://<vault>.vault.azure.net/)")
    elif not match:
        problems.append(f"keyVaultUri '{uri}' is not a key vault URI (https://<vault>.vault.azure.net/)")
    if not name:
        problems.append("keyName is required")
    elif not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z0-9-]{1,127}", name):
        problems.append(f"keyName '{name}' is not a valid key name (1-127 letters, digits and '-')")
    version = kv.get("keyVersion")
    if version and (not isinstance(version, str) or not re.fullmatch(r"[a-fA-F0-9]{32}", version)):
        problems.append(f"keyVersion '{version}' is not a key version (32 hexadecimal characters)")
    if problems or match is None or not isinstance(name, str):     # each of these is a problem listed
        raise errors.KEY_VAULT_PROPERTIES_INVALID(problems="; ".join(problems))
    return KeyRef(match.group(1).lower(), name, version or None, kv.get("identityClientId"))


# ---- which identity uses the key ----------------------------------------------------------------------

def identity_for(sb: Sandbox, account: models.Account, ref: KeyRef) -> directory.Principal:
    """identityClientId picks a user-assigned identity; without it the system-assigned identity is used,
    or the only user-assigned one (azurerm docs: identity_client_id is needed with several)."""
    users = models.user_identities(account)
    if ref.client_id:
        for ids in users.values():
            if ids["clientId"].lower() == ref.client_id.lower():
                return present(directory.get(sb, ids["principalId"]), ids["principalId"])
        raise KeyProblem("InvalidKeyVaultProperties",
                         f"KeyVaultProperties is invalid: identityClientId '{ref.client_id}' is not the clientId of a "
                         f"user-assigned identity of account '{account.name}' (it has: "
                         f"{', '.join(i['clientId'] for i in users.values()) or 'none'}).")
    system = models.system_identity(sb, account)
    if system:
        return system
    if len(users) == 1:
        only = next(iter(users.values()))["principalId"]
        return present(directory.get(sb, only), only)
    if users:
        raise KeyProblem("InvalidKeyVaultProperties",
                         f"KeyVaultProperties is invalid: account '{account.name}' has several user-assigned "
                         "identities; set keyVaultProperties.identityClientId to the clientId of the one to use.")
    raise KeyProblem("ManagedIdentityIsNotEnabled",
                     "Managed Identity (MI) is not set for this account while the encryption key source is "
                     "'Microsoft.KeyVault', customer managed storage or Network Security Perimeter is used.")


def _who(account: models.Account, principal: directory.Principal) -> str:
    return f"managed identity of account '{account.name}' (principalId {principal.object_id}, " \
           f"clientId {principal.app_id})"


# ---- calls to Key Vault as the identity -----------------------------------------------------------------

def _call(sb: Sandbox, principal, method: str, vault: str, path: str, body: dict | None = None):
    """One Key Vault request as `principal`, through the sandbox's own pipeline (token check, RBAC,
    audit log). Returns (status, parsed JSON body)."""
    token, _ = sb.tokens.issue(principal, KV_AUDIENCE)
    headers = {"authorization": f"Bearer {token}", "user-agent": USER_AGENT, "accept": "application/json",
               "x-ms-client-request-id": str(uuid.uuid4())}
    payload = b""
    if body is not None:
        headers["content-type"] = "application/json"
        payload = json.dumps(body).encode()
    # Azure AI services is a trusted service of Key Vault's firewall (bypass AzureServices).
    resp = app.handle(sb, Request(method, f"{vault}.vault.azure.net", f"{path}?api-version={KV_API}", headers,
                                  payload, trusted_service=True))
    data = resp.body if isinstance(resp.body, dict) else json.loads(resp.payload() or b"{}")
    return resp.status, data


def _refused(account, principal, ref: KeyRef, op: str, status: int, data: dict) -> KeyProblem:
    """Key Vault's refusal of `op`, told as what is wrong and what to do."""
    err = data.get("error") or {}
    inner = (err.get("innererror") or {}).get("code", "")
    detail = [{"code": err.get("code", str(status)), "message": err.get("message", ""),
               "target": f"https://{ref.vault}.vault.azure.net"}]
    key = f"key '{ref.name}'" + (f" version '{ref.version}'" if ref.version else "") + f" in key vault '{ref.vault}'"
    if status == 404:
        return KeyProblem("KeyVaultKeyNotFound", f"The {key} was not found (deleted or never created). Check "
                          "properties.encryption.keyVaultProperties.keyName / keyVersion, or recover the key.", detail)
    if inner == "KeyDisabled":
        return KeyProblem("KeyVaultKeyDisabled", f"The {key} is disabled, so the {_who(account, principal)} cannot "
                          f"{_VERB[op]} with it. Enable the key (attributes.enabled = true).", detail)
    if inner in ("KeyExpired", "KeyNotYetValid"):
        return KeyProblem("KeyVaultKeyExpired", f"Key Vault refuses to {_VERB[op]} with the {key}: "
                          f"{err.get('message')} Set a later expiry (attributes.exp) or use a valid key version.",
                          detail)
    if status == 403 and inner in ("ForbiddenByRbac", "AccessDenied", ""):
        return KeyProblem("KeyVaultAccessForbidden",
                          f"The {_who(account, principal)} is not allowed to "
                          f"perform '{ACTION[op]}' on the {key}. {ROLE_HINT} Property: properties.encryption."
                          "keyVaultProperties.", detail)
    return KeyProblem("KeyVaultOperationFailed", f"Key Vault answered {status} when the {_who(account, principal)} "
                      f"tried to {_VERB[op]} with the {key}: {err.get('message', '')}", detail)


def _get_key(sb: Sandbox, account, principal, ref: KeyRef) -> dict:
    status, data = _call(sb, principal, "GET", ref.vault, f"/keys/{ref.name}/{ref.version or ''}")
    if status != 200:
        raise _refused(account, principal, ref, "get", status, data)
    return data


def _check_key(sb: Sandbox, ref: KeyRef, bundle: dict) -> None:
    """RSA or RSA-HSM 2048 only (every Foundry CMK doc, facts §C1); enabled; inside nbf/exp."""
    key, attrs = bundle.get("key") or {}, bundle.get("attributes") or {}
    what = f"key '{ref.name}' in key vault '{ref.vault}'"
    bits = int.from_bytes(unb64url(key.get("n", "")), "big").bit_length()
    if key.get("kty") not in ("RSA", "RSA-HSM") or bits != 2048:
        size = f" {bits}" if key.get("kty", "").startswith("RSA") else ""
        raise KeyProblem("UnsupportedKeyType", f"The {what} is {key.get('kty')}{size}; customer-managed keys for "
                         "Azure AI services must be RSA or RSA-HSM keys of size 2048.")
    if attrs.get("enabled") is False:
        raise KeyProblem("KeyVaultKeyDisabled", f"The {what} is disabled. Enable it (attributes.enabled = true).")
    now = sb.clock.now()
    if attrs.get("exp") is not None and now >= attrs["exp"]:
        raise KeyProblem("KeyVaultKeyExpired", f"The {what} expired at {iso(attrs['exp'])}. Set a later expiry on "
                         "the key or rotate it, then point the account at a valid version.")
    if attrs.get("nbf") is not None and now < attrs["nbf"]:
        raise KeyProblem("KeyVaultKeyExpired", f"The {what} is not valid before {iso(attrs['nbf'])}.")


def _crypto(sb: Sandbox, account, principal, ref: KeyRef, kid: str, op: str, value: str) -> str:
    path = urlsplit(kid).path.rstrip("/") + f"/{op}"
    status, data = _call(sb, principal, "POST", ref.vault, path, {"alg": WRAP_ALG, "value": value})
    if status != 200:
        raise _refused(account, principal, ref, op, status, data)
    return data["value"]


def _vault(sb: Sandbox, account: models.Account, ref: KeyRef) -> None:
    """The vault must exist in the account's region, with soft delete and purge protection. (Same tenant
    holds by construction: the sandbox has one tenant and Key Vault refuses any other tenantId.)"""
    vault = kv_models.row(sb, ref.vault)
    if vault is None:
        raise KeyProblem("KeyVaultNotFound", f"The key vault '{ref.vault}' (https://{ref.vault}.vault.azure.net/) "
                         "does not exist. Check properties.encryption.keyVaultProperties.keyVaultUri.")
    props = loads(vault["properties"])
    if vault["location"] != account.location:
        raise KeyProblem("KeyVaultRegionMismatch", f"The key vault '{ref.vault}' is in region '{vault['location']}' "
                         f"but account '{account.name}' is in '{account.location}'; the key vault and the Azure AI "
                         "services resource must be in the same region.")
    if props.get("enableSoftDelete") is False or not props.get("enablePurgeProtection"):
        raise KeyProblem("KeyVaultNotRecoverable",
                         f"The encryption key must be recoverable and not purgeable: key vault '{ref.vault}' needs "
                         f"soft delete and purge protection (enableSoftDelete={props.get('enableSoftDelete')}, "
                         f"enablePurgeProtection={bool(props.get('enablePurgeProtection'))}). Enable purge "
                         "protection on the vault.")


# ---- configure (PUT/PATCH with keySource Microsoft.KeyVault) ------------------------------------------------

def configure(sb: Sandbox, change: accounts.Change) -> dict:
    """Validate a requested CMK and prove the identity can use it: get the key, wrap a new DEK, unwrap
    it. Returns the state to store with the account, or raises 400 naming what is wrong."""
    doc = change.doc
    encryption = doc["properties"]["encryption"]
    ref = key_ref(encryption)
    current = change.current
    if current and current.encryption and current.uses_cmk:
        before = key_ref(current.encryption).vault
        if before != ref.vault:
            raise errors.KEY_VAULT_CHANGE_NOT_ALLOWED(name=change.name, before=before, vault=ref.vault)
    if change.new_system_identity and not ref.client_id:
        raise errors.IDENTITY_TOO_NEW_FOR_KEY(name=change.name, vault=ref.vault)
    # Evaluate against the account as it will be (identities included), still unsaved.
    planned = models.Account(change.subscription_id, change.resource_group, change.name, doc,
                             doc["properties"].get("customSubDomainName"),
                             None if change.drop_system_identity else (current.principal_id if current else None),
                             None, current.created if current else 0, None)
    try:
        principal = identity_for(sb, planned, ref)
        _vault(sb, planned, ref)
        bundle = _get_key(sb, planned, principal, ref)
        _check_key(sb, ref, bundle)
        kid = bundle["key"]["kid"]
        dek = secrets.token_bytes(32)
        wrapped = _crypto(sb, planned, principal, ref, kid, "wrapkey", b64url(dek))
        if unb64url(_crypto(sb, planned, principal, ref, kid, "unwrapkey", wrapped)) != dek:
            raise KeyProblem("KeyVaultOperationFailed", f"Unwrapping with key '{kid}' did not return the wrapped "
                                                        "data key.")
    except KeyProblem as problem:
        raise problem.as_error(400)
    return {"kid": kid, "wrapped": wrapped, "status": HEALTHY, "checked": sb.clock.now()}


# ---- use (every data-plane request of a CMK account) ------------------------------------------------------

def use(sb: Sandbox, account: models.Account) -> None:
    """Unwrap the account's DEK as its identity and re-read the key; on any failure record it (GET shows
    it) and raise 403 CustomerManagedKeyInaccessible. After a rotation, a versionless account re-wraps
    its DEK with the latest version."""
    if not account.encryption or not account.uses_cmk:
        return
    state = dict(account.cmk or {})
    ref = key_ref(account.encryption)
    try:
        principal = identity_for(sb, account, ref)
        _vault(sb, account, ref)
        if not state.get("wrapped"):
            raise KeyProblem("KeyVaultOperationFailed", "The account holds no wrapped data key; set "
                                                        "properties.encryption again.")
        dek = _crypto(sb, account, principal, ref, state["kid"], "unwrapkey", state["wrapped"])
        bundle = _get_key(sb, account, principal, ref)
        _check_key(sb, ref, bundle)
        if bundle["key"]["kid"] != state["kid"]:
            state.update(kid=bundle["key"]["kid"],
                         wrapped=_crypto(sb, account, principal, ref, bundle["key"]["kid"], "wrapkey", dek))
    except KeyProblem as problem:
        state.update(status=f"Inaccessible ({problem.code}): {problem.message}", checked=sb.clock.now())
        accounts.record_cmk(sb, account, state)
        raise errors.CUSTOMER_MANAGED_KEY_INACCESSIBLE(name=account.name, message=problem.message,
                                                       details=[{"code": problem.code, "message": problem.message}])
    state.update(status=HEALTHY, checked=sb.clock.now())
    accounts.record_cmk(sb, account, state)

