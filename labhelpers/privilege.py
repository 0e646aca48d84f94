"""Least privilege, shown: what a managed identity's role allows and refuses, and, where the lab can
act as that identity (the sandbox), Key Vault's own answer to each operation.

In the sandbox a token for the identity comes from the sandbox's managed-identity endpoint (App Service
protocol, `object_id`), as the resource itself would get one. On Azure no learner can do that: a
system-assigned identity "is restricted to only one resource" (Microsoft Learn, managed identities
overview), its tokens are issued only inside that resource, so the role definition's dataActions are
what can be shown."""
from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.identity import CredentialUnavailableError, ManagedIdentityCredential

from . import display
from .refusals import codes
from .waiting import retry_rbac

CANNOT_ACT = ("On Azure a system-assigned identity's tokens are issued only to the resource it belongs to "
              "(here the Foundry service itself): no sign-in of yours can act as it.")


class UnavailableIdentity:
    """A TokenCredential that never gives a token, saying why (azure mode)."""

    def __init__(self, reason: str):
        self.reason = reason

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        raise CredentialUnavailableError(self.reason)

    def close(self) -> None:
        pass


CANNOT_ACT_USER = ("On Azure a user-assigned identity's tokens are issued only on the Azure resources it is "
                   "attached to (the Foundry resource here), never to your own machine.")


def identity_credential(s, principal_id: str | None = None, *, client_id: str | None = None):
    """A credential that signs in as a managed identity, named by its principal (object) id or, for a
    user-assigned one, its client id: in the sandbox, from its managed-identity endpoint, as the
    resource would get it; on Azure one that is unavailable, with the reason."""
    if s.mode != "sandbox":
        return UnavailableIdentity(CANNOT_ACT_USER if client_id else CANNOT_ACT)
    if client_id:
        return ManagedIdentityCredential(client_id=client_id)
    if not principal_id:
        raise ValueError("identity_credential: name the identity by its principal id or its client_id")
    return ManagedIdentityCredential(identity_config={"object_id": principal_id})


def wrap_remotely(keys, key_id: str, data: bytes) -> bytes:
    """Key Vault's own wrapKey with the key version `key_id`, sent through the KeyClient's pipeline
    (`send_request`). CryptographyClient.wrap_key wraps locally with the public key whenever it can read
    the key, so only this shows what Key Vault itself answers."""
    response = keys.send_request(HttpRequest(
        "POST", urlsplit(key_id).path.lstrip("/") + "/wrapkey", params={"api-version": "7.5"},
        json={"alg": "RSA-OAEP-256", "value": base64.urlsafe_b64encode(data).decode().rstrip("=")}))
    response.raise_for_status()
    value = response.json()["value"]
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass(frozen=True)
class Trial:
    what: str                   # what the identity tries: "wrap a key"
    data_action: str            # the dataAction Key Vault checks for it
    attempt: Callable[[], object]


def role_allows(role, data_action: str) -> bool:
    """Whether a role definition's dataActions (minus notDataActions) grant `data_action` (wildcards)."""
    def matches(patterns) -> bool:
        return any(fnmatchcase(data_action.lower(), p.lower()) for p in patterns or [])
    return any(matches(p.data_actions) and not matches(p.not_data_actions) for p in role.permissions)


def _answer(trial: Trial, expect_allowed: bool) -> tuple[bool, str]:
    """(did Key Vault allow it, what it answered)."""
    try:
        if expect_allowed:       # a grant may still be propagating (ForbiddenByRbac): wait for it
            retry_rbac(trial.attempt, what=f"as the identity: {trial.what}")
        else:
            trial.attempt()
        return True, "OK"
    except HttpResponseError as refusal:
        return False, codes(refusal)


def show_privileges(role, trials: list[Trial], credential) -> list[tuple[str, bool, bool | None]]:
    """Try each operation as the identity (when the lab can) and show, per operation, what the role's
    dataActions say and what Key Vault answered. Returns (what, role allows, Key Vault allowed or None)."""
    acting = not isinstance(credential, UnavailableIdentity)
    rows, outcome = [], []
    for trial in trials:
        allowed = role_allows(role, trial.data_action)
        if acting:
            done, said = _answer(trial, allowed)
            mark = display.OK if done == allowed else display.FAIL
        else:
            done, said, mark = None, "not tried", ""
        outcome.append((trial.what, allowed, done))
        rows.append([trial.what, trial.data_action.removeprefix("Microsoft.KeyVault/vaults/"),
                     "allows" if allowed else "refuses", said, mark])
    text, markup = display.table(["the identity tries to", "data action", f"{role.role_name}", "Key Vault answered",
                                  "as the role says"], rows)
    note = "" if acting else "\n" + credential.reason + " So only the role's dataActions are shown."
    display.show(text + note, markup + (f"<p>{display.esc(note.strip())}</p>" if note else ""))
    return outcome


def show_answers(trials: list[Trial], credential) -> list[tuple[str, bool | None]]:
    """Try each operation as the identity (when the lab can) and show what Key Vault answered."""
    if isinstance(credential, UnavailableIdentity):
        print(credential.reason + " Nothing was tried.")
        return [(trial.what, None) for trial in trials]
    outcome = [(trial, *_answer(trial, expect_allowed=False)) for trial in trials]
    text, markup = display.table(["the identity tries to", "Key Vault answered"],
                                 [[trial.what, said] for trial, _, said in outcome])
    display.show(text, markup)
    return [(trial.what, done) for trial, done, _ in outcome]
