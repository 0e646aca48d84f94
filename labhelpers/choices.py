"""What 00-setup offers and validates, as plain functions over the SDK (the widgets only call these):
subscriptions with the learner's role, regions offering both services, name availability."""
from __future__ import annotations

from dataclasses import dataclass

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from . import labstate, naming
from .roles import roles_held

FOUNDRY_KIND, FOUNDRY_SKU = "AIServices", "S0"      # what 03 creates
ENOUGH_ROLES = ("Owner",)     # the lab writes role assignments and resources


@dataclass(frozen=True)
class SubscriptionChoice:
    subscription_id: str
    display_name: str
    tenant_id: str
    roles: tuple[str, ...]

    @property
    def is_owner(self) -> bool:
        return any(role in ENOUGH_ROLES for role in self.roles)

    @property
    def label(self) -> str:
        return f"{self.display_name} ({', '.join(self.roles) or 'no role'})"

    @property
    def warning(self) -> str | None:
        if self.is_owner:
            return None
        held = " and ".join(self.roles) or "no role"
        return (f"You hold {held} on '{self.display_name}'. The lab creates resources and role "
                "assignments, which needs Owner: pick a subscription where you are Owner, or ask an "
                "Owner to assign you that role.")


@dataclass(frozen=True)
class Region:
    name: str
    display_name: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.name})"


@dataclass(frozen=True)
class NameCheck:
    ok: bool
    message: str
    held_by_deleted: bool = False      # one of your soft-deleted resources holds the name


def learner_roles(credential, subscription_id: str, principal_id: str) -> tuple[str, ...]:
    """The roles the principal holds on the subscription itself or above it (not on its resource groups),
    its Entra groups' included."""
    held = roles_held(credential, subscription_id, f"/subscriptions/{subscription_id}", principal_id)
    return tuple(sorted({role.role_name for role in held}))


def list_subscriptions(credential, principal_id: str) -> list[SubscriptionChoice]:
    return [SubscriptionChoice(s.subscription_id, s.display_name or s.subscription_id, s.tenant_id or "",
                               learner_roles(credential, s.subscription_id, principal_id))
            for s in SubscriptionClient(credential).subscriptions.list() if s.subscription_id]


def default_subscription(subscriptions: list[SubscriptionChoice]) -> SubscriptionChoice | None:
    return next((s for s in subscriptions if s.is_owner), subscriptions[0] if subscriptions else None)


def _key(location: str) -> str:
    return location.replace(" ", "").lower()


def foundry_availability(credential, subscription_id: str) -> dict[str, str | None]:
    """Where this subscription may create a Foundry resource (kind AIServices, SKU S0), as Azure decides
    it: the Cognitive Services resource SKUs, per region, with the reason when a Location restriction
    applies (e.g. NotAvailableForSubscription). The providers API is no guide: it lists where any
    Cognitive Services kind is offered."""
    found: dict[str, str | None] = {}
    for sku in CognitiveServicesManagementClient(credential, subscription_id).resource_skus.list():
        if (sku.resource_type or "").lower() != "accounts" or sku.kind != FOUNDRY_KIND or sku.name != FOUNDRY_SKU:
            continue
        for location in sku.locations or []:
            refused = [r for r in sku.restrictions or [] if str(getattr(r.type, "value", r.type)) == "Location"
                       and _key(location) in {_key(v) for v in (r.values or [])}]
            found[_key(location)] = (str(refused[0].reason_code or "restricted") if refused else None)
    return found


def key_vault_regions(credential, subscription_id: str) -> set[str]:
    provider = ResourceManagementClient(credential, subscription_id).providers.get("Microsoft.KeyVault")
    return {_key(location) for t in provider.resource_types or [] if (t.resource_type or "").lower() == "vaults"
            for location in t.locations or []}


def offered_regions(credential, subscription_id: str) -> list[Region]:
    """Regions where Key Vault is offered and a Foundry resource (AIServices S0) is available to this
    subscription without restriction: the vault and the Foundry resource have to share one."""
    foundry = foundry_availability(credential, subscription_id)
    vaults = key_vault_regions(credential, subscription_id)
    offered = {name for name, restriction in foundry.items() if restriction is None} & vaults
    regions = SubscriptionClient(credential).subscriptions.list_locations(subscription_id)
    return sorted((Region(r.name, r.display_name or r.name) for r in regions
                   if r.name and (_key(r.name) in offered or _key(r.display_name or "") in offered)),
                  key=lambda r: r.display_name)


def region_problem(credential, subscription_id: str, region: str) -> str | None:
    """Why the lab cannot run in `region` on this subscription, in Azure's terms, or None."""
    foundry = foundry_availability(credential, subscription_id)
    key = _key(region)
    if key not in foundry:
        return f"Foundry resources (kind {FOUNDRY_KIND}, SKU {FOUNDRY_SKU}) are not offered in {region}"
    if foundry[key] is not None:
        return (f"Foundry resources (kind {FOUNDRY_KIND}, SKU {FOUNDRY_SKU}) are restricted in {region} for this "
                f"subscription ({foundry[key]})")
    if key not in key_vault_regions(credential, subscription_id):
        return f"Key Vault is not offered in {region}"
    return None


def default_region(regions: list[Region]) -> Region | None:
    return next((r for r in regions if r.name == naming.DEFAULT_REGION), regions[0] if regions else None)


def _refused(exc: HttpResponseError) -> NameCheck:
    code = exc.error.code if exc.error else exc.status_code
    return NameCheck(False, f"Azure refused to check it ({code}); on a subscription where you are not Owner "
                            "that is expected")


def check_vault_name(credential, subscription_id: str, resource_group: str, name: str) -> NameCheck:
    try:
        return _vault_name(credential, subscription_id, resource_group, name)
    except HttpResponseError as exc:
        return _refused(exc)


def _vault_name(credential, subscription_id: str, resource_group: str, name: str) -> NameCheck:
    problems = naming.vault_name_problems(name)
    if problems:
        return NameCheck(False, "; ".join(problems))
    kv = KeyVaultManagementClient(credential, subscription_id)
    answer = kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"})
    if answer.name_available:
        return NameCheck(True, "available")
    try:
        return _ownership(kv.vaults.get(resource_group, name).tags, "vault")
    except ResourceNotFoundError:
        pass
    deleted = next((d for d in kv.vaults.list_deleted() if (d.name or "").lower() == name.lower()), None)
    if deleted is not None and deleted.properties is not None:
        until = deleted.properties.scheduled_purge_date
        mine = naming.made_here(deleted.properties.tags, labstate.home_id())
        whose = "of this lab home" if mine else "(not this lab home's)"
        held = f"{until:%Y-%m-%d}" if until else "its retention ends"
        return NameCheck(False, f"a deleted vault {whose} holds this name until {held}; "
                                "choose another name (the proposal button makes one)", held_by_deleted=True)
    return NameCheck(False, "taken by another vault somewhere in Azure (vault names are global); "
                            "choose another name")


def _ownership(tags: dict | None, what: str) -> NameCheck:
    """A resource of that name is in the chosen group: the lab continues with it only if its tags say
    this lab home made it (a classmate on the same subscription may use the same group)."""
    if naming.made_here(tags, labstate.home_id()):
        return NameCheck(True, "already yours: the lab continues with it")
    owner = naming.made_by(tags)
    return NameCheck(False, f"this {what} exists in the group but was made by "
                            f"{'another lab home (' + owner + ')' if owner else 'someone else, not this lab'}; "
                            "choose another name")


def check_foundry_name(credential, subscription_id: str, resource_group: str, name: str) -> NameCheck:
    """The resource name becomes its custom sub-domain, which must be free in all of Azure."""
    try:
        return _foundry_name(credential, subscription_id, resource_group, name)
    except HttpResponseError as exc:
        return _refused(exc)


def _foundry_name(credential, subscription_id: str, resource_group: str, name: str) -> NameCheck:
    problems = naming.foundry_name_problems(name)
    if problems:
        return NameCheck(False, "; ".join(problems))
    cs = CognitiveServicesManagementClient(credential, subscription_id)
    answer = cs.check_domain_availability(subdomain_name=name, type="Microsoft.CognitiveServices/accounts",
                                          kind="AIServices")
    if answer.is_subdomain_available:
        return NameCheck(True, "available")
    try:
        account = cs.accounts.get(resource_group, name)
        if account.properties and (account.properties.custom_sub_domain_name or "").lower() == name.lower():
            return _ownership(account.tags, "Foundry resource")
    except ResourceNotFoundError:
        pass
    deleted = next((d for d in cs.deleted_accounts.list() if (d.name or "").lower() == name.lower()), None)
    if deleted is not None:
        if naming.made_here(deleted.tags, labstate.home_id()):
            return NameCheck(False, "a deleted Foundry resource of this lab home still holds this name; "
                                    "99-cleanup purges it, or choose another name", held_by_deleted=True)
        return NameCheck(False, "a deleted Foundry resource (not this lab home's) still holds this name; "
                                "choose another name", held_by_deleted=True)
    return NameCheck(False, "this sub-domain is taken somewhere in Azure; choose another name")


def propose_vault_name(credential, subscription_id: str, resource_group: str, attempts: int = 10) -> str:
    for _ in range(attempts):
        name = naming.proposed_vault_name()
        if check_vault_name(credential, subscription_id, resource_group, name).ok:
            return name
    raise RuntimeError("could not find a free vault name; type one yourself")


def propose_foundry_name(credential, subscription_id: str, resource_group: str, attempts: int = 10) -> str:
    """This lab home's default name when it is free (or already yours), else the same with a suffix."""
    base = naming.default_names(labstate.home_id())["foundry_name"]
    if check_foundry_name(credential, subscription_id, resource_group, base).ok:
        return base
    for _ in range(attempts):
        name = naming.suffixed(base)
        if check_foundry_name(credential, subscription_id, resource_group, name).ok:
            return name
    raise RuntimeError("could not find a free sub-domain; type a name yourself")
