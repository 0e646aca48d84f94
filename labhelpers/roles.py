"""Which Azure roles a principal holds over a scope, counting assignments made at that scope or above
it (inheritance flows down: management groups > subscription > resource group > vault > key) and
those made to its groups. `assignedTo('{objectId}')` is the filter Azure documents for "all role
assignments for the specified user, including ones inherited from groups"; `principalId eq` would
miss them (AZD role-based-access-control/role-assignments-list-rest.md). And `grant`, the lab's one way of
assigning a role outside the notebooks' own cells."""
from __future__ import annotations

from dataclasses import dataclass

from azure.core.exceptions import ResourceExistsError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

from .naming import assignment_name
from .waiting import retry_rbac

# The built-in roles the lab assigns and checks
KV_ADMINISTRATOR = "Key Vault Administrator"                   # you, on the vault: manage its keys
ENCRYPTION_USER = "Key Vault Crypto Service Encryption User"   # the Foundry identity, on the key
OPENAI_USER = "Cognitive Services OpenAI User"   # reads and uses the resource's models, changes nothing

MANAGEMENT_GROUPS = "/providers/microsoft.management/managementgroups/"


@dataclass(frozen=True)
class HeldRole:
    role_name: str
    scope: str          # where the assignment was made
    via_group: bool = False


def covers(assignment_scope: str, scope: str) -> bool:
    """Does an assignment at `assignment_scope` apply at `scope`? A management group's assignment that
    Azure lists for a scope is one of its ancestors (a listing returns assignments at, above and
    below the scope), so it applies."""
    parent, child = assignment_scope.lower().rstrip("/"), scope.lower().rstrip("/")
    if parent.startswith(MANAGEMENT_GROUPS) and not child.startswith(MANAGEMENT_GROUPS):
        return True
    return parent == "" or child == parent or child.startswith(parent + "/")


def roles_held(credential, subscription_id: str, scope: str, principal_id: str) -> list[HeldRole]:
    auth = AuthorizationManagementClient(credential, subscription_id)
    names: dict[str, str] = {}
    held = []
    for assignment in auth.role_assignments.list_for_scope(scope, filter=f"assignedTo('{principal_id}')"):
        if not covers(assignment.scope, scope):
            continue                                 # an assignment below the scope (a child resource)
        role_id = assignment.role_definition_id
        if role_id not in names:
            names[role_id] = auth.role_definitions.get_by_id(role_id).role_name
        held.append(HeldRole(names[role_id], assignment.scope,
                             (assignment.principal_id or "").lower() != principal_id.lower()))
    return held


def grant(auth, scope: str, role_name: str, principal_id: str, principal_type: str) -> None:
    """`role_name` for the principal at `scope`, under the lab's deterministic assignment name (so a rerun
    makes nothing new), retried while a role the caller was just given propagates."""
    role = next(auth.role_definitions.list(scope, filter=f"roleName eq '{role_name}'"))
    try:
        retry_rbac(auth.role_assignments.create, scope, assignment_name(scope, principal_id, role.id),
                   RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=principal_id,
                                                  principal_type=principal_type), what=f"assigning {role_name}")
    except ResourceExistsError:                 # held through another assignment of the same role
        pass
