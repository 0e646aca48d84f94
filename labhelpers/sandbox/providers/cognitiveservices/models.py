"""Microsoft.CognitiveServices accounts (AI Foundry resources, kind AIServices) and their projects: the
state in SQLite, its lookups and the rules both share (names, tags, identities). The rules of an account's
PUT/PATCH and its lifecycle are in accounts.py, the projects' in projects.py, the wire format in
responses.py; the customer-managed-key checks (acting as the account's identity) are in cmk.py.

Sources: the 2025-09-01 spec (azure-rest-specs/Microsoft.CognitiveServices), reference/
azure-behavior-facts.md §C, and the observed errors cited where they are raised. Sandbox choices
where Azure's behaviour is unknown are listed in docs/cognitive-services-cmk.md."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import directory, registry
from ...errors import AzureError
from ...store import loads
from ..resources.models import require_group
from . import errors

if TYPE_CHECKING:
    from ...context import Sandbox

NAMESPACE = "Microsoft.CognitiveServices"
ACCOUNT_TYPE = f"{NAMESPACE}/accounts"
PROJECT_TYPE = f"{NAMESPACE}/accounts/projects"
RETENTION = 48 * 3600          # soft-deleted accounts are kept 48 h (facts §C3)

registry.schema("""
CREATE TABLE IF NOT EXISTS cs_accounts (
  subscription_id TEXT NOT NULL COLLATE NOCASE,
  resource_group  TEXT NOT NULL COLLATE NOCASE,
  name            TEXT NOT NULL COLLATE NOCASE,   -- unique per group, case of creation kept
  doc             TEXT NOT NULL,                  -- JSON: location, kind, sku, tags, identity, properties...
  subdomain       TEXT COLLATE NOCASE,            -- customSubDomainName: global DNS name, held while soft-deleted
  principal_id    TEXT,                           -- the system-assigned identity's service principal
  cmk             TEXT,                           -- JSON: wrapped data key, its kid, last key-access status
  created         REAL NOT NULL,
  deleted         REAL,                           -- soft-deleted at (sandbox clock), NULL while live
  PRIMARY KEY (subscription_id, resource_group, name)
);
CREATE UNIQUE INDEX IF NOT EXISTS cs_accounts_subdomain ON cs_accounts (subdomain) WHERE subdomain IS NOT NULL;
CREATE INDEX IF NOT EXISTS cs_accounts_deleted ON cs_accounts (deleted) WHERE deleted IS NOT NULL;
CREATE TABLE IF NOT EXISTS cs_projects (
  subscription_id TEXT NOT NULL COLLATE NOCASE,
  resource_group  TEXT NOT NULL COLLATE NOCASE,
  account         TEXT NOT NULL COLLATE NOCASE,
  name            TEXT NOT NULL COLLATE NOCASE,
  doc             TEXT NOT NULL,
  principal_id    TEXT,
  created         REAL NOT NULL,
  PRIMARY KEY (subscription_id, resource_group, account, name)
);
""")

# Account and project names: 2-64, `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$` (spec; facts §C5).
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")
# customSubDomainName: letters, digits and '-', 2-64, not starting or ending with '-' (facts §C6).
SUBDOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$")
_UAI_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/"
                     r"userAssignedIdentities/[^/]+$", re.I)
IDENTITY_TYPES = {t.lower(): t for t in ("None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned")}
KEY_SOURCES = {t.lower(): t for t in ("Microsoft.KeyVault", "Microsoft.CognitiveServices")}
KINDS = ("AIServices", "OpenAI", "CognitiveServices", "TextAnalytics", "ComputerVision", "Face",
         "SpeechServices", "FormRecognizer", "ContentSafety", "TextTranslation", "Language")
SKUS = {"aiservices": ("S0",), "openai": ("S0",)}          # other kinds: free or standard tiers
OTHER_SKUS = ("F0", "S0", "S", "S1", "S2", "S3", "S4")
# Writable AccountProperties kept as given (spec); customSubDomainName, encryption and defaultProject
# have rules of their own, read-only and unknown properties are ignored as ARM does.
STORED = {"allowProjectManagement", "publicNetworkAccess", "disableLocalAuth", "networkAcls", "userOwnedStorage",
          "amlWorkspace", "apiProperties", "restrictOutboundNetworkAccess", "allowedFqdnList",
          "dynamicThrottlingEnabled", "storedCompletionsDisabled", "migrationToken", "locations",
          "raiMonitorConfig", "networkInjections"}


@dataclass
class Account:
    subscription_id: str
    resource_group: str
    name: str
    doc: dict
    subdomain: str | None
    principal_id: str | None
    cmk: dict | None
    created: float
    deleted: float | None

    @property
    def id(self) -> str:
        return account_id(self.subscription_id, self.resource_group, self.name)

    @property
    def location(self) -> str:
        return self.doc["location"]

    @property
    def properties(self) -> dict:
        return self.doc["properties"]

    @property
    def encryption(self) -> dict | None:
        return self.properties.get("encryption")

    @property
    def uses_cmk(self) -> bool:
        return (self.encryption or {}).get("keySource") == "Microsoft.KeyVault"


@dataclass
class Project:
    account: Account
    name: str
    doc: dict
    principal_id: str | None
    created: float
    is_default: bool = False

    @property
    def id(self) -> str:
        return f"{self.account.id}/projects/{self.name}"


def account_id(subscription_id: str, group: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{ACCOUNT_TYPE}/{name}"


def from_row(row: dict | None) -> Account | None:
    return None if row is None else account_of(row)


def account_of(row: dict) -> Account:
    return Account(row["subscription_id"], row["resource_group"], row["name"], loads(row["doc"]), row["subdomain"],
                   row["principal_id"], loads(row["cmk"]), row["created"], row["deleted"])


# ---- errors ---------------------------------------------------------------------------------------

def not_found(group: str, name: str) -> AzureError:
    # ARM's wording (microsoft/foundry-dev-tools#512)
    return errors.ACCOUNT_NOT_FOUND(account_type=ACCOUNT_TYPE, name=name, group=group)


def invalid(what: str, value, allowed) -> AzureError:
    return errors.VALUE_NOT_ALLOWED(value=value, what=what, values=', '.join(allowed))


# ---- lookups --------------------------------------------------------------------------------------

def get_account(sb: Sandbox, subscription_id: str, group: str, name: str, *, deleted: bool = False) -> Account | None:
    """The live account (or, with deleted=True, the soft-deleted one) of that name in the group."""
    return from_row(sb.store.one(
        f"SELECT * FROM cs_accounts WHERE subscription_id = ? AND resource_group = ? AND name = ? "
        f"AND deleted IS {'NOT ' if deleted else ''}NULL", (subscription_id, group, name)))


def require_account(sb: Sandbox, subscription_id: str, group: str, name: str) -> Account:
    require_group(sb, subscription_id, group)
    account = get_account(sb, subscription_id, group, name)
    if account is None:
        raise not_found(group, name)
    return account


def by_subdomain(sb: Sandbox, label: str) -> Account | None:
    """The live account whose custom subdomain is `label` (its data-plane host)."""
    return from_row(sb.store.one("SELECT * FROM cs_accounts WHERE subdomain = ? AND deleted IS NULL", (label,)))


def list_accounts(sb: Sandbox, subscription_id: str, group: str | None = None, *,
                  deleted: bool = False) -> list[Account]:
    sql = f"SELECT * FROM cs_accounts WHERE subscription_id = ? AND deleted IS {'NOT ' if deleted else ''}NULL"
    args: tuple = (subscription_id,)
    if group is not None:
        sql, args = sql + " AND resource_group = ?", args + (group,)
    return [account_of(r) for r in sb.store.all(sql + " ORDER BY resource_group, name", args)]


def count_in_region(sb: Sandbox, subscription_id: str, location: str) -> int:
    """Accounts of the subscription in the region, soft-deleted ones included (what quota counts)."""
    row = sb.store.one("SELECT COUNT(*) AS n FROM cs_accounts WHERE subscription_id = ? "
                       "AND lower(replace(json_extract(doc, '$.location'), ' ', '')) = ?",
                       (subscription_id, location.replace(" ", "").lower()))
    return int(row["n"]) if row else 0


def check_domain(sb: Sandbox, subdomain) -> tuple[bool, str | None]:
    """checkDomainAvailability: (available, reason). A soft-deleted account still holds its name."""
    if not isinstance(subdomain, str) or not SUBDOMAIN.match(subdomain):
        return False, f"Sub domain name '{subdomain}' is not valid"
    if sb.store.one("SELECT 1 FROM cs_accounts WHERE subdomain = ?", (subdomain,)):
        return False, f"Sub domain name '{subdomain}' is already used. Please pick a different name."
    return True, None


# ---- identities -----------------------------------------------------------------------------------

def system_identity(sb: Sandbox, account: Account) -> directory.Principal | None:
    return directory.get(sb, account.principal_id) if account.principal_id else None


def user_identities(account: Account) -> dict[str, dict]:
    return (account.doc.get("identity") or {}).get("userAssignedIdentities") or {}


def _user_identity(sb: Sandbox, resource_id: str) -> dict:
    """A user-assigned identity's service principal. The sandbox has no Microsoft.ManagedIdentity
    provider: the identity comes into being at its first reference and lives until its group goes."""
    principal = directory.find(sb, mi_resource_id=resource_id) or \
        directory.add_managed_identity(sb, resource_id, resource_id.rsplit("/", 1)[-1])
    return {"principalId": principal.object_id, "clientId": principal.app_id}


def identity_block(sb: Sandbox, value, current: dict | None) -> dict | None:
    """Validated identity block (type + user-assigned identities with their principal/client ids)."""
    if value is None:
        return current
    if not isinstance(value, dict):
        raise errors.IDENTITY_NOT_OBJECT()
    kind = IDENTITY_TYPES.get(str(value.get("type", "None")).replace(" ", "").replace(",", ", ").lower())
    if kind is None:
        raise invalid("'identity.type'", value.get("type"), IDENTITY_TYPES.values())
    given = value.get("userAssignedIdentities")
    if given is not None and not isinstance(given, dict):
        raise errors.USER_IDENTITIES_NOT_OBJECT()
    given = {k: v for k, v in (given or {}).items() if v is not None}     # null removes an identity
    if "UserAssigned" not in kind:
        if given:
            raise errors.USER_IDENTITIES_NOT_ALLOWED(kind=kind)
        return {"type": kind}
    if not given:
        raise errors.USER_IDENTITY_MISSING(kind=kind)
    for resource_id in given:
        if not _UAI_ID.match(resource_id):
            raise errors.USER_IDENTITY_ID_INVALID(resource_id=resource_id)
    return {"type": kind, "userAssignedIdentities": {rid: _user_identity(sb, rid) for rid in given}}


def has_system_identity(identity: dict | None) -> bool:
    return "SystemAssigned" in (identity or {}).get("type", "None")


# ---- projects ---------------------------------------------------------------------------------------

def project_of(account: Account, row: dict) -> Project:
    return Project(account, row["name"], loads(row["doc"]), row["principal_id"], row["created"],
                   (account.properties.get("defaultProject") or "").lower() == row["name"].lower())


def get_project(sb: Sandbox, account: Account, name: str) -> Project | None:
    row = sb.store.one(
        "SELECT * FROM cs_projects WHERE subscription_id = ? AND resource_group = ? AND account = ? AND name = ?",
        (account.subscription_id, account.resource_group, account.name, name))
    return None if row is None else project_of(account, row)


def list_projects(sb: Sandbox, account: Account) -> list[Project]:
    return [project_of(account, r) for r in sb.store.all(
        "SELECT * FROM cs_projects WHERE subscription_id = ? AND resource_group = ? AND account = ? ORDER BY created",
        (account.subscription_id, account.resource_group, account.name))]


def require_project(sb: Sandbox, account: Account, name: str) -> Project:
    project = get_project(sb, account, name)
    if project is None:
        raise errors.PROJECT_NOT_FOUND(project_type=PROJECT_TYPE, name=account.name, name2=name,
                                       resource_group=account.resource_group)
    return project


# ---- rules shared by accounts and projects ------------------------------------------------------

def check_name(name: str, what: str = "account") -> None:
    if not _NAME.match(name):
        raise errors.NAME_INVALID(what=what, name=name)


def valid_tags(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()) or len(value) > 50:
        raise errors.TAGS_INVALID()
    return value


# ---- platform hooks -----------------------------------------------------------------------------------

@registry.host_check("cognitive")
def _account_host(sb: Sandbox, label: str) -> bool:
    return by_subdomain(sb, label) is not None


@registry.resource_exists(NAMESPACE, "accounts")
def _account_exists(sb: Sandbox, subscription_id: str, group: str, names: list[str]) -> bool:
    return get_account(sb, subscription_id, group, names[0]) is not None
