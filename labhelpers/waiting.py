"""Waiting with the learner in view: long-running operations with progress, and retries while a new
role assignment propagates (Azure documents up to 10 minutes for Key Vault)."""
from __future__ import annotations

import os
import re
import time

from azure.core.exceptions import HttpResponseError
from azure.core.polling import LROPoller

from .display import StatusLine

# Errors that mean "the role assignment exists but is not in effect yet" (or the new identity is
# not replicated yet): retrying is the documented fix (reference: azure-behavior-facts.md §D1-D2;
# AZD role-based-access-control/troubleshooting.md). PermissionDenied is how a Foundry resource's own
# endpoint refuses a caller without a data role.
PROPAGATION_CODES = ("ForbiddenByRbac", "PrincipalNotFound", "PermissionDenied")
# Key Vault's own refusal says so in words ("... please observe propagation time"), also when a
# resource provider relays it in its error's details.
PROPAGATION_WORDS = "propagation time"
# When the CMK is set, the Foundry resource provider checks the key as the resource's identity. Azure
# documents neither the code nor the words of its refusal while that identity's new role has not
# reached Key Vault (KeyVaultAccessForbidden is a Compute disk-encryption-set code), only that role
# changes take up to 10 minutes to apply to Key Vault (AZD key-vault/general/rbac-guide.md) and that
# Foundry deployments should let the role take effect before they use it (foundry-samples CMK
# template: "due to role assignment delay, initial run may fail... retry"). So with key_access=True a
# refusal that speaks of access to the key or vault counts as propagation, within the retry's bound.
KEY_ACCESS_WORDS = (re.compile(r"(?i)\b(forbidden|not (allowed|authori[sz]ed|permitted)|access|permissions?)\b"),
                    re.compile(r"(?i)\b(key ?vault|vaults?)\b"))
KEY_VAULT_PROPAGATION = "up to 10 minutes"     # AZD key-vault/general/rbac-guide.md


def _errors(error) -> list:
    """An azure-core ODataV4 error and its details, depth first."""
    if error is None:
        return []
    found = [error]
    for detail in getattr(error, "details", None) or []:
        found += _errors(detail)
    return found


def _codes(error) -> list[str]:
    """Every error code in an azure-core ODataV4 error, its inner errors and details."""
    codes = []
    for each in _errors(error):
        if getattr(each, "code", None):
            codes.append(each.code)
        inner = getattr(each, "innererror", None)
        while isinstance(inner, dict):
            codes.append(inner.get("code"))
            inner = inner.get("innererror")
    return [c for c in codes if c]


def propagation_reason(exc: Exception, key_access: bool = False) -> str | None:
    """The error code when exc says a role assignment has not propagated yet, else None.
    key_access: exc answers a request that makes a resource use a key as its own identity (the CMK)."""
    if not isinstance(exc, HttpResponseError):
        return None
    codes = _codes(exc.error)
    found = next((c for c in codes if c in PROPAGATION_CODES), None)
    if found:
        return found
    messages = " ".join(getattr(e, "message", None) or "" for e in _errors(exc.error))
    if PROPAGATION_WORDS in messages and exc.status_code in (400, 403, 409):
        return codes[0] if codes else "Forbidden"
    if key_access and exc.status_code in (400, 403, 409) and all(words.search(messages) for words in KEY_ACCESS_WORDS):
        return codes[0] if codes else str(exc.status_code)
    # Not AuthorizationFailed: ARM's message always says "if access was recently granted", but the lab
    # grants you no management role on the way, so there it means a missing role: say so at once.
    return None


def propagation_timeout() -> float:
    """How long the lab waits for a role assignment to take effect before it gives up: 15 minutes
    (Azure documents up to 10 for Key Vault), or $CMKLAB_PROPAGATION_TIMEOUT seconds."""
    return float(os.environ.get("CMKLAB_PROPAGATION_TIMEOUT") or 900)


def retry_rbac(operation, *args, what: str = "the call", timeout: float | None = None, first_delay: float = 5,
               key_access: bool = False, **kwargs):
    """Call operation(*args, **kwargs), retrying with backoff and a visible countdown while Azure
    answers that a role assignment is not in effect yet. Any other error is raised at once.
    When the operation starts a long-running one (a `begin_` call, which returns a poller), its end
    is part of the attempt: Azure may accept the request (202) and report the refusal when the
    operation ends, so the whole operation is retried. The result is then the operation's result.
    A wait is reported after success, and the hint of what to check stays on screen."""
    timeout = propagation_timeout() if timeout is None else timeout
    started = time.monotonic()
    deadline = started + timeout
    delay, attempt = first_delay, 1
    status = None
    while True:
        try:
            result = operation(*args, **kwargs)
            if isinstance(result, LROPoller):
                result = wait(result, what)
        except HttpResponseError as exc:
            reason = propagation_reason(exc, key_access=key_access)
            if reason is None or time.monotonic() + delay > deadline:
                raise
            if status is None:
                bound = f"{timeout / 60:.0f} minutes" if timeout >= 120 else f"{timeout:.0f} s"
                print(f"⏳ {what}: Azure answered {reason}: a role assignment this step needs is not in effect "
                      f"yet (Azure documents {KEY_VAULT_PROPAGATION} for Key Vault). The lab retries for up to "
                      f"{bound}. If this persists, check the role assignment of the previous step.", flush=True)
                status = StatusLine("")
            status.note(f"⏳ {what}: {reason}, the role assignment is not in effect yet; "
                        f"retrying in {delay:.0f} s (attempt {attempt})")
            for left in range(int(delay), 0, -1):
                status.update(f"⏳ {what}: {reason}, the role assignment is not in effect yet; "
                              f"retrying in {left} s (attempt {attempt})")
                time.sleep(1)
            time.sleep(delay - int(delay))
            delay, attempt = min(delay * 1.6, 60), attempt + 1
            continue
        if status is not None:
            status.done(f"✔ {what}: succeeded on attempt {attempt}, after waiting "
                        f"{time.monotonic() - started:.0f} s for the role assignment to take effect")
        return result


def wait(poller, what: str):
    """Wait for a long-running operation (an SDK poller), showing that it is still going; when it
    took a while, the final line says how long."""
    status = StatusLine(f"⏳ {what}…")
    started = time.monotonic()
    while not poller.done():
        poller.wait(timeout=1)
        status.update(f"⏳ {what}… {time.monotonic() - started:.0f} s")
    result = poller.result()
    took = time.monotonic() - started
    status.done(f"✔ {what}: done" + (f" after {took:.0f} s" if took >= 2 else ""))
    return result
