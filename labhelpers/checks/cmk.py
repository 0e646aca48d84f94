"""The check of 05-configure-cmk: the Foundry resource is encrypted with the latest version of your key."""
from __future__ import annotations

from .core import Line, steps_of
from .lookups import cmk_in_use, value

NOTEBOOK = "05-configure-cmk"
step = steps_of(NOTEBOOK)


@step("05-cmk", "Customer-managed key", "the Foundry resource is encrypted with your key")
def cmk_ready(s):
    found = cmk_in_use(s, "run the update cell above")
    if isinstance(found, Line):
        yield found
        return
    account, vault, kvp = found.account, found.vault, found.kvp
    yield Line(True, "key source", "a customer-managed key in Key Vault")
    same_vault = (kvp.key_vault_uri or "").rstrip("/").lower() == vault.properties.vault_uri.rstrip("/").lower()
    yield Line(same_vault, "vault", kvp.key_vault_uri or "none", "point it at your vault")
    yield Line(kvp.key_name == s.key_name, "key", kvp.key_name or "none", "point it at your key")
    current = kvp.key_version == found.latest
    yield Line(current, "key version", f"{kvp.key_version or 'none'}" + (" (the latest)" if current else ""),
               "the key has a newer version: run the update cell again "
               "(rotation does not re-encrypt; the resource must be told)")
    yield Line(value(account.properties.provisioning_state) == "Succeeded", "provisioning",
               value(account.properties.provisioning_state), "wait a minute, then run this cell again")
    yield Line(bool(vault.properties.enable_purge_protection), "vault purge protection",
               "on" if vault.properties.enable_purge_protection else "off", "turn purge protection on (01)")
