"""What in a resource group this lab home created, read from the tags the lab puts on everything it
creates (naming.lab_tags). Cleanup deletes only that, and deletes the group itself only when the
group is this lab home's and holds nothing else: on a class subscription a classmate's resources
may share it."""
from __future__ import annotations

from dataclasses import dataclass

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup


@dataclass
class GroupContents:
    group: ResourceGroup
    mine: list                     # GenericResourceExpanded made by this lab home
    others: list                   # everything else in the group

    def deletable(self, made_here) -> bool:
        return made_here(self.group.tags) and not self.others

    def why_kept(self, made_here) -> str:
        if not made_here(self.group.tags):
            return f"this lab home did not create the group {self.group.name}"
        names = ", ".join(r.name for r in self.others[:5]) + (" …" if len(self.others) > 5 else "")
        return f"{self.group.name} also holds {len(self.others)} resource(s) this lab home did not create: {names}"


def group_contents(s) -> GroupContents | None:
    """The session's resource group and what is in it, or None when the group does not exist."""
    resources = ResourceManagementClient(s.credential, s.subscription_id)
    try:
        group = resources.resource_groups.get(s.resource_group)
    except ResourceNotFoundError:
        return None
    inside = list(resources.resources.list_by_resource_group(s.resource_group))
    return GroupContents(group, [r for r in inside if s.made_here(r.tags)],
                         [r for r in inside if not s.made_here(r.tags)])
