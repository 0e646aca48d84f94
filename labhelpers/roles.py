"""Which Azure roles a principal holds over a scope, counting assignments made at that scope or above
it (inheritance flows down: subscription > resource group > vault > key)."""
from __future__ import annotations

from dataclasses import dataclass

from azure.mgmt.authorization import AuthorizationManagementClient

# The built-in roles the lab assigns and checks
KV_ADMINISTRATOR = "Key Vault Administrator"                   # you, on the vault: manage its keys
ENCRYPTION_USER = "Key Vault Crypto Service Encryption User"   # the Foundry identity, on the key
OPENAI_USER = "Cognitive Services OpenAI User"   # reads and uses the resource's models, changes nothing


@dataclass(frozen=True)
class HeldRole:
    role_name: str
    scope: str          # where the assignment was made


def covers(assignment_scope: str, scope: str) -> bool:
    parent, child = assignment_scope.lower().rstrip("/"), scope.lower().rstrip("/")
    return parent == "" or child == parent or child.startswith(parent + "/")


def roles_held(credential, subscription_id: str, scope: str, principal_id: str) -> list[HeldRole]:
    auth = AuthorizationManagementClient(credential, subscription_id)
    names: dict[str, str] = {}
    held = []
    for assignment in auth.role_assignments.list_for_scope(scope, filter=f"principalId eq '{principal_id}'"):
        if not covers(assignment.scope, scope):
            continue                                 # an assignment below the scope (a child resource)
        role_id = assignment.role_definition_id
        if role_id not in names:
            names[role_id] = auth.role_definitions.get_by_id(role_id).role_name
        held.append(HeldRole(names[role_id], assignment.scope))
    return held
