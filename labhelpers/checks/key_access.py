"""The check of 04-grant-key-access: the Foundry identity holds the encryption role on this one key, and
nothing more."""
from __future__ import annotations

from ..roles import ENCRYPTION_USER, roles_held
from .core import Line, steps_of
from .lookups import account_and_vault, scope_label

NOTEBOOK = "04-grant-key-access"
step = steps_of(NOTEBOOK)


@step("04-key-access", "Key access", "the Foundry identity may get, wrap and unwrap this one key, and nothing more")
def key_access_ready(s):
    found = account_and_vault(s)
    if isinstance(found, Line):
        yield found
        return
    account, vault = found
    principal = account.identity.principal_id if account.identity else None
    if not principal:
        yield Line(False, "Foundry identity", "none", "turn on the system-assigned identity (03)")
        return
    key_scope = f"{vault.id}/keys/{s.key_name}"
    held = roles_held(s.credential, s.subscription_id, key_scope, principal)
    grant = [h for h in held if h.role_name == ENCRYPTION_USER]
    yield Line(bool(grant), ENCRYPTION_USER,
               f"assigned on {scope_label(grant[0].scope, s)}" if grant else "not assigned to the Foundry identity",
               "run the role-assignment cell above")
    if grant:
        on_key = any(h.scope.lower() == key_scope.lower() for h in grant)
        yield Line(on_key, "scope", "this key only" if on_key else "wider than the key",
                   "assign the role on the key and remove the wider assignment")
    extra = sorted({h.role_name for h in held if h.role_name != ENCRYPTION_USER})
    yield Line(not extra, "least privilege", ", ".join(extra) or "no other role on the key",
               "remove these roles from the identity: get, wrapKey and unwrapKey are all it needs")
