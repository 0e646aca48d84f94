"""The check of 09-user-assigned-identity: a user-assigned identity of your own, attached to the Foundry
resource, holding the encryption role on the key, and named by the resource's keyVaultProperties."""
from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.msi import ManagedServiceIdentityClient

from ..roles import ENCRYPTION_USER, roles_held
from .core import Line, steps_of
from .lookups import account_and_vault, scope_label, value

NOTEBOOK = "09-user-assigned-identity"
step = steps_of(NOTEBOOK)


@step("09-user-assigned", "User-assigned identity", "the Foundry resource uses your key through its own "
                                                    "user-assigned identity, which may use this one key")
def user_assigned_ready(s):
    found = account_and_vault(s)
    if isinstance(found, Line):
        yield found
        return
    account, vault = found
    try:
        identity = ManagedServiceIdentityClient(s.credential, s.subscription_id).user_assigned_identities.get(
            s.resource_group, s.identity_name)
    except ResourceNotFoundError:
        yield Line(False, "identity", f"{s.identity_name} not found", "run the create-identity cell above")
        return
    yield Line(True, "identity", f"{identity.name}: principal {identity.principal_id}, client {identity.client_id}")
    yield Line(s.made_here(identity.tags), "yours", "tagged as made by this lab home" if s.made_here(identity.tags)
               else f"tags {identity.tags or {}} do not name this lab home", "choose another Foundry name in 00-setup")
    attached = {rid.lower() for rid in (account.identity.user_assigned_identities or {})} if account.identity else set()
    yield Line(identity.id.lower() in attached, "attached", "to the Foundry resource" if identity.id.lower() in attached
               else "not attached to the Foundry resource", "run the attach cell above")
    key_scope = f"{vault.id}/keys/{s.key_name}"
    grant = [h for h in roles_held(s.credential, s.subscription_id, key_scope, identity.principal_id)
             if h.role_name == ENCRYPTION_USER]
    yield Line(bool(grant), ENCRYPTION_USER, f"assigned on {scope_label(grant[0].scope, s)}" if grant
               else "not assigned to the identity", "run the role-assignment cell above")
    encryption = account.properties.encryption
    kvp = encryption.key_vault_properties if encryption is not None else None
    used = getattr(kvp, "identity_client_id", None) or ""
    uses = value(getattr(encryption, "key_source", "")) == "Microsoft.KeyVault" and \
        used.lower() == identity.client_id.lower()
    yield Line(uses, "identity used for the key", f"identityClientId {used}" if used else
               "none: the system-assigned identity", "run the encryption cell above (identity_client_id)")
