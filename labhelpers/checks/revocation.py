"""The checks of 08-revoke-and-restore: your data role, then the key revoked and restored. They call the Foundry
resource's own endpoint, as the learner, since only a use of the key shows whether the resource can use it."""
from __future__ import annotations

from ..roles import OPENAI_USER
from .core import Line, steps_of
from ..endpoint import answer as endpoint_answer
from .lookups import NO_ACCOUNT, cmk_in_use, foundry_account, refusal, short, your_role_line

NOTEBOOK = "08-revoke-and-restore"
step = steps_of(NOTEBOOK)


# What Microsoft documents for a revoked key (AAD ai-foundry/concepts/encryption-keys-portal.md and
# ai-services/openai/encrypt-data-at-rest.md, "Revoke a customer-managed key"): it prevents downloading
# training data and result files, fine-tuning new models and deploying fine-tuned models, while models
# already deployed keep serving. Neither the answer of a call like GET /openai/models nor the delay is
# documented, so on Azure the lab shows what the endpoint answers without expecting a refusal.
DOCUMENTED = ("Azure documents that a revoked key stops file downloads, fine-tuning and deploying fine-tuned "
              "models, while deployed models keep serving; it documents neither this call's answer nor the delay")


def _key_use_lines(s, refused: bool):
    """What the resource reports about its key: the version it names, its endpoint's answer and, in the
    sandbox, the sandbox's own key status. `refused`: the key is meant to be revoked."""
    found = cmk_in_use(s)
    if isinstance(found, Line):
        yield found
        return
    enabled = bool(found.in_use().enabled)
    yield Line(enabled != refused, "key version in use", f"{found.kvp.key_version}: "
               f"{'enabled' if enabled else 'disabled'}",
               "run the revoke cell above" if refused else "run the revoke cell above again: it enables the key "
               "at its end")
    answer = endpoint_answer(s.credential, found.account)
    sandbox = s.answered_by_lab_sandbox
    if answer.status_code == 401:
        yield Line(False, "endpoint", refusal(answer), f"you need a data role on the resource: run the "
                                                        f"{OPENAI_USER} cell above")
    elif refused and sandbox:
        yield Line(answer.status_code >= 400, "endpoint", (refusal(answer) if answer.status_code >= 400 else
                   f"{answer.status_code}: still works") + " (the sandbox's answer: Azure does not document one)",
                   "the sandbox refuses at the next request: run the revoke cell again")
    elif refused:
        yield Line(True, "endpoint", f"{refusal(answer) if answer.status_code >= 400 else answer.status_code}. "
                                     f"{DOCUMENTED}")
    else:
        works = answer.status_code == 200
        yield Line(works, "endpoint", f"200: {len(answer.json()['data'])} models" if works else refusal(answer),
                   "enable the version in use (the revoke cell does at its end); if it is enabled, check the "
                   "identity's role (04)")
    if sandbox:
        status = foundry_account(s).properties.additional_properties.get("customerManagedKeyStatus", "")
        inaccessible = status.startswith("Inaccessible")
        yield Line(inaccessible == refused, "key status (the sandbox's own signal, not an Azure property)",
                   short(status or "none"),
                   "call the endpoint once more: the status is that of the resource's last use of its key")


@step("08-data-role", "Your data role", f"you may call the Foundry resource's endpoint ({OPENAI_USER})")
def data_role_ready(s):
    account = foundry_account(s)
    if account is None:
        yield NO_ACCOUNT
        return
    yield your_role_line(s, account.id, OPENAI_USER)


@step("08-revoked", "Key revoked", "the key version the Foundry resource uses is disabled; what the resource "
                                   "answers is shown", moment=True)
def key_revoked(s):
    yield from _key_use_lines(s, refused=True)


@step("08-restored", "Key restored", "the Foundry resource uses its key again")
def key_restored(s):
    yield from _key_use_lines(s, refused=False)
