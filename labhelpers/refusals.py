"""Azure's refusals told in one line a learner can act on. Any HttpResponseError will do, including one
with no JSON body (a proxy's 502, an HTML error page): azure-core then leaves `error` as None, so
reading `refusal.error.code` in a cell would raise AttributeError instead of saying what happened."""
from __future__ import annotations

from azure.core.exceptions import HttpResponseError

# What to do, for the refusals a learner meets in this lab (keyed by Azure's error code).
ADVICE = {
    "InvalidResourceGroupLocation": "the group already exists in another region, and a group's region never "
                                    "changes. The lab keeps the group as it is (the resources in it may be in any "
                                    "region); for a group in this region, choose another group name in 00-setup.",
    "RoleAssignmentExists": "the principal already holds this role on this scope, under another assignment "
                            "(made in the portal, for instance): nothing to do.",
}


def code_of(refusal: HttpResponseError) -> str:
    error = refusal.error
    return (error.code if error is not None and error.code else "") or str(refusal.reason or refusal.status_code)


def inner_code(refusal: HttpResponseError) -> str:
    """Key Vault's inner error code (`ForbiddenByRbac`, `ForbiddenByFirewall`, `KeyDisabled`), or ""."""
    error = refusal.error
    return ((getattr(error, "innererror", None) or {}).get("code") or "") if error is not None else ""


def codes(refusal: HttpResponseError) -> str:
    """`403 Forbidden (ForbiddenByFirewall)`: the status, the code and the inner code."""
    inner = inner_code(refusal)
    return f"{refusal.status_code} {code_of(refusal)}" + (f" ({inner})" if inner else "")


def describe(refusal: HttpResponseError, limit: int = 300) -> str:
    """`409 InvalidResourceGroupLocation: Invalid resource group location …`, whatever the body was."""
    error = refusal.error
    message = (error.message if error is not None and error.message else str(refusal.message or refusal))
    first = (message.strip().splitlines() or [""])[0]
    text = f"{refusal.status_code} {code_of(refusal)}: {first}"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def explain(refusal: HttpResponseError) -> None:
    """Print Azure's answer and, for a refusal this lab knows, what it means and what to do."""
    advice = ADVICE.get(code_of(refusal))
    print(f"Azure answered {describe(refusal)}" + (f"\n→ {advice}" if advice else ""))
