"""Pointing this kernel at the sandbox or at Azure. The notebooks then build the SDK clients and
DefaultAzureCredential exactly as they would anywhere: only the process environment differs."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.identity import CredentialUnavailableError, DefaultAzureCredential
from azure.mgmt.resource.subscriptions import SubscriptionClient

from . import labstate
from .errors import NotSignedIn, SandboxUnavailable
from .sandbox import server
from .sandbox.directory import TENANT_DOMAIN as SANDBOX_TENANT_DOMAIN
from .sandbox.encoding import unb64url

ARM_SCOPE = "https://management.azure.com/.default"

NOT_SIGNED_IN = """No Azure sign-in was found, so the lab cannot reach your subscription.
Sign in one of these ways, then restart the kernel and run this cell again:
  - Azure CLI: run `az login` in a terminal (and `az account set --subscription <id>` if you have several);
  - a service principal: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET;
  - VS Code: sign in with the Azure Resources extension;
  - an Azure VM, Codespace or Cloud Shell with a managed identity: nothing to do.
Or use the offline sandbox instead: set mode = "sandbox"."""

# What the sandbox environment replaced in this process, so azure mode can put it back.
_replaced: dict[str, str | None] | None = None


def sandbox_state_dir() -> Path:
    return labstate.home() / "sandbox"


def connect(mode: str) -> dict:
    """Set this process's environment for `mode`; return what is known about the target
    (for the sandbox: its sandbox.json, whose identity header stays in the environment only)."""
    if mode == "sandbox":
        return _use_sandbox()
    if mode == "azure":
        leave_sandbox()
        verify_signed_in(DefaultAzureCredential())
        return {}
    raise ValueError(f'mode must be "sandbox" or "azure", not {mode!r}')


def _use_sandbox() -> dict:
    global _replaced
    try:
        info = server.ensure_running(sandbox_state_dir(),
                                     rbac_delay=float(os.environ.get("CMKLAB_RBAC_DELAY") or 0),
                                     timing_profile=os.environ.get("CMKLAB_SANDBOX_TIMING") or "fast",
                                     time_scale=float(os.environ.get("CMKLAB_SANDBOX_TIME_SCALE") or 1))
    except server.SandboxFailed as exc:
        raise SandboxUnavailable(str(exc)) from None
    _explain_a_lost_sandbox()
    env = server.client_env(info)
    if _replaced is None:
        _replaced = {name: os.environ.get(name) for name in env}
    server.apply_env(env)
    return info


LOST_SANDBOX = ("The sandbox is not running any more (it was stopped or killed), so this call got no answer. "
                "Run this notebook's setup cell again (it restarts the sandbox, your resources kept), "
                "then this cell.")


def lost_sandbox() -> str | None:
    """LOST_SANDBOX when this kernel uses a sandbox whose server is gone, else None."""
    if _replaced is None or server.server_pid(sandbox_state_dir()) is not None:
        return None
    return LOST_SANDBOX


def _explain_a_lost_sandbox() -> None:
    """In IPython, a call that finds no sandbox (the SDK's ServiceRequestError, or a credential that
    cannot reach the identity endpoint) shows LOST_SANDBOX instead of a long traceback; these errors
    keep their traceback whenever the sandbox is running."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def explain(shell, etype, value, tb, tb_offset=None):
        line = lost_sandbox()
        if line is None:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
            return None
        stb = [f"{etype.__name__}: {line}"]
        shell._showtraceback(etype, value, stb)      # what the kernel sends as the cell's error
        return stb
    shell.set_custom_exc((ServiceRequestError, ClientAuthenticationError), explain)


def leave_sandbox() -> None:
    """Undo what _use_sandbox did in this process. Whatever else the environment sets (a proxy, a CA
    bundle, a managed-identity endpoint, `eval $(python -m labhelpers.sandbox env)` included) stays:
    azure mode talks to whatever the environment points Azure's clients at, as every Azure tool does."""
    global _replaced
    if _replaced is not None:
        server.apply_env(_replaced)
        _replaced = None
        server.drop_lease(sandbox_state_dir())      # this kernel no longer keeps the sandbox alive


@dataclass(frozen=True)
class Target:
    """Who answers in azure mode: the tenant of the subscription, as ARM describes it."""
    tenant_id: str
    tenant_name: str
    domain: str

    @property
    def is_lab_sandbox(self) -> bool:
        """The CMK lab sandbox, started on its own and exported with `env`: recognised by its tenant."""
        return self.domain.lower() == SANDBOX_TENANT_DOMAIN


def target(credential, tenant_id: str) -> Target:
    """The tenant the subscription belongs to, with its name and default domain (GET /tenants)."""
    for tenant in SubscriptionClient(credential).tenants.list():
        if (tenant.tenant_id or "").lower() == tenant_id.lower():
            return Target(tenant_id, tenant.display_name or "", tenant.default_domain or "")
    return Target(tenant_id, "", "")


def verify_signed_in(credential) -> None:
    try:
        credential.get_token(ARM_SCOPE)
    except (CredentialUnavailableError, ClientAuthenticationError):
        raise NotSignedIn(NOT_SIGNED_IN) from None


def token_claims(credential) -> dict:
    """Who the credential signs in as (oid, tid). The token itself is never shown or kept."""
    payload = credential.get_token(ARM_SCOPE).token.split(".")[1]
    return json.loads(unb64url(payload))
