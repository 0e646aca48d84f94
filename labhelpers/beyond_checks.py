"""The checks of the notebooks beyond the exercise: 07 (rotation) and 08 (revocation). Like the steps'
checks, they read the real state through the SDK; 08's also call the Foundry resource's own endpoint,
as the learner, since only a use of the key shows whether the resource can use it."""
from __future__ import annotations

from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.rest import HttpRequest

from .checks import Line, step
from .step_checks import NO_ACCOUNT, cmk_account, foundry_account, key_client, policy_lines, your_role_line

OPENAI_USER = "Cognitive Services OpenAI User"   # reads and uses the resource's models, changes nothing
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"


NOT_CMK = "run the first cell after setup (lab.ensure_cmk), which brings the lab to the end of 05"


@step("07-rotated", "Rotated key", "the Foundry resource uses the key's newest version; older versions stay "
                                   "enabled; the policy still rotates every 6 months")
def rotated(s):
    found = cmk_account(s, NOT_CMK)
    if isinstance(found, Line):
        yield found
        return
    _, vault, kvp = found
    keys = key_client(vault, s)
    latest = keys.get_key(s.key_name).properties.version
    older = [v for v in keys.list_properties_of_key_versions(s.key_name) if v.version != latest]
    yield Line(bool(older), "versions", f"{len(older) + 1}", "rotate the key: run the rotate cell above")
    current = kvp.key_version == latest
    yield Line(current, "key version in use", f"{kvp.key_version or 'none'}" + (" (the latest)" if current else
                                                                                 " (an older one)"),
               "the resource still names an older version: run the update cell above")
    disabled = [v.version for v in older if not v.enabled]
    yield Line(not disabled, "older versions", f"disabled: {', '.join(disabled)}" if disabled
               else f"{len(older)}, all enabled",
               "enable them (keys.update_key_properties(key_name, version, enabled=True)): what they wrapped "
               "can only be unwrapped with them")
    yield from policy_lines(keys, s, "run 02-generate-key again")


def _endpoint_answer(s, account):
    """GET /openai/models on the resource's own endpoint, as you (the call 08 makes): the response."""
    endpoint = account.properties.endpoint
    client = PipelineClient(endpoint, policies=[BearerTokenCredentialPolicy(s.credential, COGNITIVE_SCOPE)])
    return client.send_request(HttpRequest("GET", f"{endpoint.rstrip('/')}/openai/models",
                                           params={"api-version": "2024-10-21"}))


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _refusal(response) -> str:
    """`403 Code (inner code): message` from an error answer, kept short for the table."""
    try:
        error = response.json()["error"]
        inner = "".join(f" ({d['code']})" for d in (error.get("details") or [])[:1])
        return _short(f"{response.status_code} {error['code']}{inner}: {error['message']}")
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.reason}"


def _key_use_lines(s, refused: bool):
    """What the resource reports about its key: the version it names, its endpoint's answer and (where
    the resource reports one) its key status. `refused`: the key is meant to be revoked."""
    found = cmk_account(s, NOT_CMK)
    if isinstance(found, Line):
        yield found
        return
    account, vault, kvp = found
    enabled = bool(key_client(vault, s).get_key(s.key_name, kvp.key_version).properties.enabled)
    yield Line(enabled != refused, "key version in use", f"{kvp.key_version}: {'enabled' if enabled else 'disabled'}",
               "run the disable cell above" if refused else "run the enable cell above")
    answer = _endpoint_answer(s, account)
    if answer.status_code == 401:
        yield Line(False, "endpoint", _refusal(answer), f"you need a data role on the resource: run the "
                                                        f"{OPENAI_USER} cell above")
    elif refused:
        yield Line(answer.status_code >= 400, "endpoint", _refusal(answer) if answer.status_code >= 400 else
                   f"{answer.status_code}: still works", "the resource still uses the key: if you have just "
                   "disabled it, run this cell again in a few minutes")
    else:
        works = answer.status_code == 200
        yield Line(works, "endpoint", f"200: {len(answer.json()['data'])} models" if works else _refusal(answer),
                   "enable the version in use (the cell above); if it is enabled, check the identity's role (04)")
    status = foundry_account(s).properties.additional_properties.get("customerManagedKeyStatus")
    if status is None:
        yield Line(True, "key status", "not reported by the resource")
    else:
        inaccessible = status.startswith("Inaccessible")
        yield Line(inaccessible == refused, "key status", _short(status),
                   "call the endpoint once more: the status is that of the resource's last use of its key")


@step("08-data-role", "Your data role", f"you may call the Foundry resource's endpoint ({OPENAI_USER})")
def data_role_ready(s):
    account = foundry_account(s)
    if account is None:
        yield NO_ACCOUNT
        return
    yield your_role_line(s, account.id, OPENAI_USER)


@step("08-revoked", "Key revoked", "the Foundry resource can no longer use its key, and says why")
def key_revoked(s):
    yield from _key_use_lines(s, refused=True)


@step("08-restored", "Key restored", "the Foundry resource uses its key again")
def key_restored(s):
    yield from _key_use_lines(s, refused=False)
