"""Waiting with the learner in view: long-running operations with progress, and retries while a new
role assignment propagates (Azure documents up to 10 minutes for Key Vault)."""
from __future__ import annotations

import time

from azure.core.exceptions import HttpResponseError

from .display import StatusLine

# Errors that mean "the role assignment exists but is not in effect yet" (or the new identity is
# not replicated yet): retrying is the documented fix. KeyVaultAccessForbidden is how the Foundry
# resource provider reports that its identity was refused by Key Vault when you set the CMK;
# PermissionDenied is how a Foundry resource's own endpoint refuses a caller without a data role.
PROPAGATION_CODES = ("ForbiddenByRbac", "PrincipalNotFound", "KeyVaultAccessForbidden", "PermissionDenied")


def _codes(error) -> list[str]:
    """Every error code in an azure-core ODataV4 error, its inner errors and details."""
    if error is None:
        return []
    codes = [error.code] if getattr(error, "code", None) else []
    inner = getattr(error, "innererror", None)
    while isinstance(inner, dict):
        codes.append(inner.get("code"))
        inner = inner.get("innererror")
    for detail in getattr(error, "details", None) or []:
        codes += _codes(detail)
    return [c for c in codes if c]


def propagation_reason(exc: Exception) -> str | None:
    """The error code when exc says a role assignment has not propagated yet, else None."""
    if not isinstance(exc, HttpResponseError):
        return None
    codes = _codes(exc.error)
    found = next((c for c in codes if c in PROPAGATION_CODES), None)
    if found:
        return found
    message = (exc.error.message if exc.error else "") or ""
    if exc.status_code == 403 and "propagation time" in message:
        return codes[0] if codes else "Forbidden"
    # Not AuthorizationFailed: ARM's message always says "if access was recently granted", but the lab
    # grants you no management role on the way, so there it means a missing role: say so at once.
    return None


def retry_rbac(operation, *args, what: str = "the call", timeout: float = 900, first_delay: float = 5,
               **kwargs):
    """Call operation(*args, **kwargs), retrying with backoff and a visible countdown while Azure
    answers that a role assignment is not in effect yet. Any other error is raised at once."""
    deadline = time.monotonic() + timeout
    delay, attempt = first_delay, 1
    status = None
    while True:
        try:
            result = operation(*args, **kwargs)
        except HttpResponseError as exc:
            reason = propagation_reason(exc)
            if reason is None or time.monotonic() + delay > deadline:
                raise
            status = status or StatusLine("")
            status.note(f"⏳ {what}: {reason}, the role assignment is not in effect yet; "
                        f"retrying in {delay:.0f} s (attempt {attempt}; if this persists, check the role "
                        "assignment of the previous step)")
            for left in range(int(delay), 0, -1):
                status.update(f"⏳ {what}: {reason}, the role assignment is not in effect yet; "
                              f"retrying in {left} s (attempt {attempt})")
                time.sleep(1)
            time.sleep(delay - int(delay))
            delay, attempt = min(delay * 1.6, 60), attempt + 1
            continue
        if status is not None:
            status.done(f"✔ {what}: succeeded on attempt {attempt}")
        return result


def wait(poller, what: str):
    """Wait for a long-running operation (an SDK poller), showing that it is still going."""
    status = StatusLine(f"⏳ {what}…")
    started = time.monotonic()
    while not poller.done():
        poller.wait(timeout=1)
        status.update(f"⏳ {what}… {time.monotonic() - started:.0f} s")
    result = poller.result()
    status.done(f"✔ {what}: done")
    return result
