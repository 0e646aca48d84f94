"""The checks of 02-generate-key: your Key Vault role, the key, and its rotation policy."""
from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError

from .. import labtime
from ..roles import KV_ADMINISTRATOR
from .core import Line, steps_of
from .lookups import NO_VAULT, key_client, policy_lines, value, vault_of, your_role_line

NOTEBOOK = "02-generate-key"
step = steps_of(NOTEBOOK)


@step("02-administrator", "Your Key Vault role", "you may manage keys in the vault")
def administrator_ready(s):
    vault = vault_of(s)
    if vault is None:
        yield NO_VAULT
        return
    yield your_role_line(s, vault.id, KV_ADMINISTRATOR)



@step("02-key", "Encryption key", "the key can protect a Foundry resource")
def key_ready(s):
    vault = vault_of(s)
    if vault is None:
        yield NO_VAULT
        return
    try:
        key = key_client(vault, s).get_key(s.key_name)
    except ResourceNotFoundError:
        yield Line(False, "key", f"{s.key_name} not found", "run the create-key cell above")
        return
    yield Line(True, "key", f"{key.name}, version {key.properties.version}")
    kty = value(key.key_type)
    yield Line(kty in ("RSA", "RSA-HSM"), "key type", kty, "Foundry accepts RSA or RSA-HSM keys only")
    bits = len(getattr(key.key, "n", None) or b"") * 8      # JsonWebKey sets n from the answer's fields
    yield Line(bits == 2048, "key size", f"{bits} bits", "Foundry needs a 2048-bit RSA key")
    enabled = bool(key.properties.enabled)
    yield Line(enabled, "enabled", "yes" if enabled else "no",
               "enable it: keys.update_key_properties(key_name, enabled=True)")
    ops = {value(op) for op in key.key_operations or []}
    wraps = {"wrapKey", "unwrapKey"} <= ops
    yield Line(wraps, "key operations", ", ".join(sorted(ops)) or "none",
               "the key must allow wrapKey and unwrapKey")
    expires = key.properties.expires_on
    if expires is not None:
        alive = expires > labtime.lab_now(s)        # the sandbox clock may have been moved forward
        yield Line(alive, "expiry", f"{expires:%Y-%m-%d}", "rotate the key: keys.rotate_key(key_name)")


@step("02-rotation-policy", "Rotation policy", "new key versions come every 6 months and live 210 days")
def rotation_ready(s):
    vault = vault_of(s)
    if vault is None:
        yield NO_VAULT
        return
    yield from policy_lines(key_client(vault, s), s, "the cell above")
