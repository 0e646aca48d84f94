"""The class subscription as the instructor sees it, with the real SDK clients: who is signed in, the
subscriptions they see, and the resources the lab created (found by their tags, labhelpers/tags.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient
from azure.mgmt.resource.subscriptions.models import Subscription

from .. import connection, tags


class NoSuchSubscription(Exception):
    """The subscription given is not one this sign-in sees; the message lists those it does see."""


@dataclass
class Seat:
    """One learner's resource groups (the lab tags each with the lab home's id)."""
    seat: str
    learner: str
    groups: list = field(default_factory=list)


class ClassSubscription:
    def __init__(self, subscription_id: str | None, credential=None):
        self.credential = credential or DefaultAzureCredential()
        self.subscription_id = subscription_id or ""

    @cached_property
    def claims(self) -> dict:
        return connection.token_claims(self.credential)

    @property
    def object_id(self) -> str:
        return self.claims["oid"]

    def subscriptions(self) -> list:
        return list(SubscriptionClient(self.credential).subscriptions.list())

    def verify(self) -> Subscription:
        """The subscription, or NoSuchSubscription naming the ones there are."""
        seen = self.subscriptions()
        for found in seen:
            if found.subscription_id.lower() == self.subscription_id.lower():
                return found
        listed = "; ".join(f"{s.display_name} ({s.subscription_id})" for s in seen) or "none"
        what = (f"subscription {self.subscription_id!r} does not exist" if self.subscription_id
                else "no subscription given")
        raise NoSuchSubscription(f"{what} for this sign-in. Subscriptions you can use: {listed}")

    @cached_property
    def resources(self) -> ResourceManagementClient:
        return ResourceManagementClient(self.credential, self.subscription_id)

    @cached_property
    def vaults(self) -> KeyVaultManagementClient:
        return KeyVaultManagementClient(self.credential, self.subscription_id)

    @cached_property
    def cognitive(self) -> CognitiveServicesManagementClient:
        return CognitiveServicesManagementClient(self.credential, self.subscription_id)

    def lab_groups(self) -> list:
        return [g for g in self.resources.resource_groups.list() if tags.is_lab(g.tags)]

    def seats(self) -> list[Seat]:
        found: dict[str, Seat] = {}
        for group in self.lab_groups():
            key = tags.seat(group.tags) or group.name
            seat = found.setdefault(key, Seat(key, (group.tags or {}).get(tags.LEARNER, "")))
            seat.groups.append(group)
        return sorted(found.values(), key=lambda s: s.seat)

    def group_resources(self, group: str) -> list:
        return list(self.resources.resources.list_by_resource_group(group))


def group_of(resource_id: str) -> str:
    """The resource group named in an ARM id ('' when there is none)."""
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered else ""
