"""What several checks read: the vault and the Foundry resource (None when missing), the role you hold on
a scope, the key's rotation policy, the customer-managed key in use, the red lines for what is missing, and
a refusal in a few words."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.keys import KeyClient, KeyProperties
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

from ..roles import roles_held
from .core import Line


def value(enum_or_str) -> str:
    return str(getattr(enum_or_str, "value", enum_or_str) or "")


def vault_of(s):
    try:
        return s.client(KeyVaultManagementClient, s.credential, s.subscription_id).vaults.get(s.resource_group,
                                                                                   s.key_vault_name)
    except ResourceNotFoundError:
        return None


def foundry_account(s):
    try:
        return s.client(CognitiveServicesManagementClient, s.credential, s.subscription_id).accounts.get(
            s.resource_group, s.foundry_name)
    except ResourceNotFoundError:
        return None


def scope_label(scope: str, s) -> str:
    rg = f"/subscriptions/{s.subscription_id}/resourcegroups/{s.resource_group}".lower()
    labels = {f"/subscriptions/{s.subscription_id}".lower(): "the subscription", rg: "the resource group",
              f"{rg}/providers/microsoft.keyvault/vaults/{s.key_vault_name}".lower(): "the vault",
              f"{rg}/providers/microsoft.keyvault/vaults/{s.key_vault_name}/keys/{s.key_name}".lower(): "the key",
              f"{rg}/providers/microsoft.cognitiveservices/accounts/{s.foundry_name}".lower(): "the Foundry resource"}
    return labels.get(scope.lower().rstrip("/"), scope)


NO_VAULT = Line(False, "key vault", "not found", "run 01-create-key-vault first")
NO_ACCOUNT = Line(False, "Foundry resource", "not found", "run 03-create-foundry-resource first")
NOT_CMK = "run the first cell after setup (lab.ensure_cmk), which brings the lab to the end of 05"


def your_role_line(s, scope: str, role_name: str) -> Line:
    """Green when you hold `role_name` at `scope` or above it."""
    held = [h for h in roles_held(s.credential, s.subscription_id, scope, s.learner_object_id)
            if h.role_name == role_name]
    return Line(bool(held), role_name,
                f"assigned to you on {scope_label(held[0].scope, s)}" if held else "not assigned to you",
                "run the role-assignment cell above")


def key_client(vault, s) -> KeyClient:
    return s.client(KeyClient, vault.properties.vault_uri, s.credential)


def policy_lines(keys: KeyClient, s, where: str):
    try:
        policy = keys.get_key_rotation_policy(s.key_name)
    except ResourceNotFoundError:
        yield Line(False, "key", f"{s.key_name} not found", "run 02-generate-key")
        return
    rotate = [a for a in policy.lifetime_actions or [] if value(a.action).lower() == "rotate"]
    after = rotate[0].time_after_create if rotate else None
    ok = (after or "").upper() == "P6M"
    yield Line(ok, "automatic rotation", f"{after} after creation" if after else "not configured",
               f"set a Rotate action with time_after_create='P6M' ({where})")
    expiry = (policy.expires_in or "").upper()
    yield Line(expiry == "P210D", "expiry time", expiry or "none", f"set expires_in='P210D' ({where})")


def account_and_vault(s):
    """(the Foundry resource, the vault), else the red Line for the first of them that is missing."""
    account, vault = foundry_account(s), vault_of(s)
    if account is None or vault is None:
        return NO_ACCOUNT if account is None else NO_VAULT
    return account, vault


@dataclass
class CmkInUse:
    """The Foundry resource on a customer-managed key in your vault, its keyVaultProperties and a KeyClient
    for the vault. The key's versions are read when first asked for."""
    account: Any            # the SDK's Account, Vault and KeyVaultProperties, whose fields are all Optional:
    vault: Any              # read here as Azure fills them for a resource on a customer-managed key
    kvp: Any
    keys: KeyClient
    key_name: str

    @cached_property
    def latest(self) -> str:
        """The key's newest version."""
        return self.keys.get_key(self.key_name).properties.version or ""

    def in_use(self) -> KeyProperties:
        """The version the resource names."""
        return self.keys.get_key(self.key_name, self.kvp.key_version).properties


def cmk_in_use(s, fix: str = NOT_CMK) -> CmkInUse | Line:
    """What the Foundry resource's customer-managed key is, else the red Line that says what is missing
    (`fix`: what to do when the resource still uses Microsoft-managed keys)."""
    found = account_and_vault(s)
    if isinstance(found, Line):
        return found
    account, vault = found
    encryption = account.properties.encryption
    if encryption is None or value(encryption.key_source) != "Microsoft.KeyVault":
        return Line(False, "key source", "Microsoft-managed keys", fix)
    return CmkInUse(account, vault, encryption.key_vault_properties, key_client(vault, s), s.key_name)


def short(text: str, limit: int = 140) -> str:
    """`text`, cut to fit a table cell."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def refusal(response) -> str:
    """`403 Code (inner code): message` from an error answer, kept short for the table."""
    try:
        error = response.json()["error"]
        inner = "".join(f" ({d['code']})" for d in (error.get("details") or [])[:1])
        return short(f"{response.status_code} {error['code']}{inner}: {error['message']}")
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.reason}"
