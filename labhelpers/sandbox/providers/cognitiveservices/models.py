"""Microsoft.CognitiveServices accounts (AI Foundry resources, kind AIServices), their projects and
soft-deleted accounts: the rules Azure applies and the state in SQLite. The wire format is in
responses.py; the customer-managed-key checks (acting as the account's identity) are in cmk.py.

Sources: the 2025-09-01 spec (azure-rest-specs/Microsoft.CognitiveServices), reference/
azure-behavior-facts.md §C, and the observed errors cited where they are raised. Sandbox choices
where Azure's behaviour is unknown are listed in docs/cognitive-services-cmk.md."""
from __future__ import annotations

import re
import secrets
import sqlite3
import uuid
from dataclasses import dataclass

from ... import catalog, directory, rbac, regions, registry
from ...clock import iso
from ...errors import AzureError
from ...store import dumps, loads
from ..resources.models import require_group

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
_SUBDOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$")
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


def _account(row: dict | None) -> Account | None:
    if row is None:
        return None
    return Account(row["subscription_id"], row["resource_group"], row["name"], loads(row["doc"]), row["subdomain"],
                   row["principal_id"], loads(row["cmk"]), row["created"], row["deleted"])


# ---- errors ---------------------------------------------------------------------------------------

def bad(code: str, message: str, **kw) -> AzureError:
    return AzureError(400, code, message, **kw)


def not_found(group: str, name: str) -> AzureError:
    # ARM's wording (microsoft/foundry-dev-tools#512)
    return AzureError(404, "ResourceNotFound",
                      f"The Resource '{ACCOUNT_TYPE}/{name}' under resource group '{group}' was not found. "
                      "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def _invalid(what: str, value, allowed) -> AzureError:
    return bad("InvalidRequestContent", f"The value '{value}' of {what} is not valid. Allowed values: "
               f"{', '.join(allowed)}.")


# ---- lookups --------------------------------------------------------------------------------------

def get_account(sb, subscription_id: str, group: str, name: str, *, deleted: bool = False) -> Account | None:
    """The live account (or, with deleted=True, the soft-deleted one) of that name in the group."""
    return _account(sb.store.one(
        f"SELECT * FROM cs_accounts WHERE subscription_id = ? AND resource_group = ? AND name = ? "
        f"AND deleted IS {'NOT ' if deleted else ''}NULL", (subscription_id, group, name)))


def require_account(sb, subscription_id: str, group: str, name: str) -> Account:
    require_group(sb, subscription_id, group)
    account = get_account(sb, subscription_id, group, name)
    if account is None:
        raise not_found(group, name)
    return account


def by_subdomain(sb, label: str) -> Account | None:
    """The live account whose custom subdomain is `label` (its data-plane host)."""
    return _account(sb.store.one("SELECT * FROM cs_accounts WHERE subdomain = ? AND deleted IS NULL", (label,)))


def list_accounts(sb, subscription_id: str, group: str | None = None, *, deleted: bool = False) -> list[Account]:
    sql = f"SELECT * FROM cs_accounts WHERE subscription_id = ? AND deleted IS {'NOT ' if deleted else ''}NULL"
    args: tuple = (subscription_id,)
    if group is not None:
        sql, args = sql + " AND resource_group = ?", args + (group,)
    return [_account(r) for r in sb.store.all(sql + " ORDER BY resource_group, name", args)]


def check_domain(sb, subdomain) -> tuple[bool, str | None]:
    """checkDomainAvailability: (available, reason). A soft-deleted account still holds its name."""
    if not isinstance(subdomain, str) or not _SUBDOMAIN.match(subdomain):
        return False, f"Sub domain name '{subdomain}' is not valid"
    if sb.store.one("SELECT 1 FROM cs_accounts WHERE subdomain = ?", (subdomain,)):
        return False, f"Sub domain name '{subdomain}' is already used. Please pick a different name."
    return True, None


# ---- identities -----------------------------------------------------------------------------------

def system_identity(sb, account: Account) -> directory.Principal | None:
    return directory.get(sb, account.principal_id) if account.principal_id else None


def user_identities(account: Account) -> dict[str, dict]:
    return (account.doc.get("identity") or {}).get("userAssignedIdentities") or {}


def _user_identity(sb, resource_id: str) -> dict:
    """A user-assigned identity's service principal. The sandbox has no Microsoft.ManagedIdentity
    provider: the identity comes into being at its first reference and lives until its group goes."""
    principal = directory.find(sb, mi_resource_id=resource_id) or \
        directory.add_managed_identity(sb, resource_id, resource_id.rsplit("/", 1)[-1])
    return {"principalId": principal.object_id, "clientId": principal.app_id}


def _identity(sb, value, current: dict | None) -> dict | None:
    """Validated identity block (type + user-assigned identities with their principal/client ids)."""
    if value is None:
        return current
    if not isinstance(value, dict):
        raise bad("InvalidRequestContent", "The property 'identity' must be an object.")
    kind = IDENTITY_TYPES.get(str(value.get("type", "None")).replace(" ", "").replace(",", ", ").lower())
    if kind is None:
        raise _invalid("'identity.type'", value.get("type"), IDENTITY_TYPES.values())
    given = value.get("userAssignedIdentities")
    if given is not None and not isinstance(given, dict):
        raise bad("InvalidRequestContent", "The property 'identity.userAssignedIdentities' must be an object.")
    given = {k: v for k, v in (given or {}).items() if v is not None}     # null removes an identity
    if "UserAssigned" not in kind:
        if given:
            raise bad("InvalidIdentity", f"userAssignedIdentities may only be given with identity type "
                                         f"'UserAssigned' or 'SystemAssigned, UserAssigned', not '{kind}'.")
        return {"type": kind}
    if not given:
        raise bad("InvalidIdentity", f"Identity type '{kind}' needs at least one entry in "
                                     "identity.userAssignedIdentities.")
    for resource_id in given:
        if not _UAI_ID.match(resource_id):
            raise bad("InvalidIdentity", f"'{resource_id}' is not a user-assigned identity resource id "
                      "(/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.ManagedIdentity/"
                      "userAssignedIdentities/{name}).")
    return {"type": kind, "userAssignedIdentities": {rid: _user_identity(sb, rid) for rid in given}}


def has_system_identity(identity: dict | None) -> bool:
    return "SystemAssigned" in (identity or {}).get("type", "None")


# ---- validation of the account body ----------------------------------------------------------------

def _check_name(name: str, what: str = "account") -> None:
    if not _NAME.match(name):
        raise bad("InvalidResourceName",
                  f"The {what} name '{name}' is invalid. It must be 2 to 64 characters long, start with a letter "
                  "or digit, and contain only letters, digits, '_', '.' and '-'.")


def _location(value) -> str:
    if not value:
        raise bad("LocationRequired", "The location property is required for this definition.")
    offered = catalog.locations(NAMESPACE, "accounts")
    location = regions.normalize(value)
    if location not in offered:
        raise bad("LocationNotAvailableForResourceType",
                  f"The provided location '{value}' is not available for resource type '{ACCOUNT_TYPE}'. "
                  f"List of available regions for the resource type is '{','.join(offered)}'.")
    return location


def _kind(value) -> str:
    kind = next((k for k in KINDS if isinstance(value, str) and k.lower() == value.lower()), None)
    if kind is None:
        raise bad("InvalidKind" if value else "KindRequired",
                  f"The kind '{value}' is not valid for {ACCOUNT_TYPE}. Use one of: {', '.join(KINDS)}.")
    return kind


def _sku(value, kind: str) -> dict:
    name = value.get("name") if isinstance(value, dict) else None
    allowed = SKUS.get(kind.lower(), OTHER_SKUS)
    match = next((s for s in allowed if isinstance(name, str) and s.lower() == name.lower()), None)
    if match is None:
        raise bad("InvalidSkuName" if name else "SkuRequired",
                  f"The SKU '{name}' is not available for kind '{kind}'. Available SKUs: {', '.join(allowed)}.")
    return {"name": match}


def _tags(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()) or len(value) > 50:
        raise bad("InvalidRequestContent", "The property 'tags' must be an object of at most 50 string values.")
    return value


def _subdomain(sb, value, current: Account | None) -> str | None:
    held = current.properties.get("customSubDomainName") if current else None
    if value is None:
        return held
    if held and held.lower() != str(value).lower():
        raise bad("CustomSubDomainNameCannotBeChanged",
                  f"The customSubDomainName of account '{current.name}' is '{held}'; it cannot be changed once set "
                  "(create a new account to use another subdomain).")
    if not isinstance(value, str) or not _SUBDOMAIN.match(value):
        raise bad("CustomDomainInvalid", f"Sub domain name '{value}' is not valid.")     # microsoft-foundry-for-vscode#121
    taken = sb.store.one("SELECT subscription_id, resource_group, name FROM cs_accounts WHERE subdomain = ?", (value,))
    if taken and not (current and account_id(taken["subscription_id"], taken["resource_group"], taken["name"])
                      .lower() == current.id.lower()):
        raise subdomain_in_use(value)
    return held or value


def subdomain_in_use(value: str) -> AzureError:
    # Observed wording (Azure-Samples/azuresandbox#164, microsoft-foundry-for-vscode#107).
    return AzureError(409, "CustomDomainInUse",
                      f"Please pick a different name. The subdomain name '{value}' is not available as it's already "
                      "used by a resource. If the resource using the name was deleted in the last 48 hours, you may "
                      "need to purge the deleted resource. Learn more at \"https://go.microsoft.com/fwlink/?linkid=2215493\"")


def _encryption(value, current: Account | None) -> dict | None:
    """The requested encryption block, normalised; refuses the changes Foundry does not allow (facts §C2)."""
    before = current.encryption if current else None
    if value is None:
        return before
    if not isinstance(value, dict):
        raise bad("InvalidRequestContent", "The property 'properties.encryption' must be an object.")
    # The spec's default keySource is Microsoft.KeyVault.
    source = KEY_SOURCES.get(str(value.get("keySource") or "Microsoft.KeyVault").lower())
    if source is None:
        raise _invalid("'properties.encryption.keySource'", value.get("keySource"), KEY_SOURCES.values())
    was_cmk = (before or {}).get("keySource") == "Microsoft.KeyVault"
    if source == "Microsoft.CognitiveServices":
        if was_cmk:
            raise bad("KeySourceChangeNotAllowed",
                      f"Account '{current.name}' is encrypted with a customer-managed key; it cannot be switched back "
                      "to Microsoft-managed keys (keySource 'Microsoft.CognitiveServices'). Point "
                      "properties.encryption.keyVaultProperties at another key in the same key vault instead.")
        return {"keySource": source}
    kv = value.get("keyVaultProperties")
    if not isinstance(kv, dict):
        raise bad("InvalidKeyVaultProperties", "KeyVaultProperties is invalid: properties.encryption."
                  "keyVaultProperties (keyVaultUri, keyName, optional keyVersion and identityClientId) is required "
                  "when keySource is 'Microsoft.KeyVault'.")
    kept = {k: kv[k] for k in ("keyName", "keyVersion", "keyVaultUri", "identityClientId") if kv.get(k) not in (None, "")}
    for k, v in kept.items():
        if not isinstance(v, str):
            raise bad("InvalidKeyVaultProperties", f"KeyVaultProperties is invalid: '{k}' must be a string.")
    return {"keySource": source, "keyVaultProperties": kept}


def _properties(sb, given: dict, current: Account | None, identity: dict | None) -> dict:
    """Merge the request's writable properties over the current ones (PUT on an existing account and
    PATCH both keep what is not given: a sandbox choice, see docs)."""
    props = dict(current.properties) if current else {}
    for key, value in given.items():
        if key in STORED:
            props[key] = value
    props.pop("customSubDomainName", None)
    subdomain = _subdomain(sb, given.get("customSubDomainName"), current)
    if subdomain:
        props["customSubDomainName"] = subdomain
    if "publicNetworkAccess" in given:
        pna = next((p for p in ("Enabled", "Disabled") if str(given["publicNetworkAccess"]).lower() == p.lower()), None)
        if pna is None:
            raise _invalid("'properties.publicNetworkAccess'", given["publicNetworkAccess"], ("Enabled", "Disabled"))
        props["publicNetworkAccess"] = pna
    for flag in ("allowProjectManagement", "disableLocalAuth", "restrictOutboundNetworkAccess",
                 "dynamicThrottlingEnabled", "storedCompletionsDisabled"):
        if flag in given and not isinstance(given[flag], bool):
            raise bad("InvalidRequestContent", f"The property 'properties.{flag}' must be true or false.")
    if current and current.properties.get("allowProjectManagement") and given.get("allowProjectManagement") is False:
        raise bad("AllowProjectManagementCannotBeDisabled",
                  f"allowProjectManagement cannot be turned off on account '{current.name}' once it is enabled.")
    if "defaultProject" in given:
        # The project that data-plane calls target when they name none (spec); it must exist.
        project = get_project(sb, current, given["defaultProject"]) if current and isinstance(
            given["defaultProject"], str) else None
        if project is None:
            raise bad("InvalidDefaultProject", f"properties.defaultProject '{given['defaultProject']}' is not a "
                                               "project of this account; create the project first.")
        props["defaultProject"] = project.name
    encryption = _encryption(given.get("encryption"), current)
    if encryption is None:
        props.pop("encryption", None)
    else:
        props["encryption"] = encryption
    if encryption and encryption["keySource"] == "Microsoft.KeyVault" and (identity or {}).get("type", "None") == "None":
        # Observed wording (microsoft/sample-app-aoai-chatGPT#1345)
        raise bad("ManagedIdentityIsNotEnabled",
                  "Managed Identity (MI) is not set for this account while the encryption key source is "
                  "'Microsoft.KeyVault', customer managed storage or Network Security Perimeter is used.")
    return props


@dataclass
class Change:
    """A validated PUT/PATCH of an account, before anything is written."""
    subscription_id: str
    resource_group: str
    name: str
    current: Account | None
    doc: dict
    new_system_identity: bool       # the request turns on the system-assigned identity
    drop_system_identity: bool      # ... or turns it off
    cmk_requested: bool             # the request sets a customer-managed key (to be checked by cmk.py)


def plan(sb, subscription_id: str, group: str, name: str, body: dict, *, creating: bool) -> Change:
    """Validate a PUT (creating=True when no account exists) or a PATCH, without side effects except
    bringing referenced user-assigned identities into the directory."""
    _check_name(name)
    current = None if creating else get_account(sb, subscription_id, group, name)
    given = body.get("properties") or {}
    if not isinstance(given, dict):
        raise bad("InvalidRequestContent", "The property 'properties' must be an object.")
    if creating:
        location, kind = _location(body.get("location")), _kind(body.get("kind"))
        doc = {"location": location, "kind": kind, "sku": _sku(body.get("sku"), kind),
               "tags": _tags(body.get("tags")), "identity": None, "properties": {},
               "internalId": uuid.uuid4().hex}
    else:
        doc = dict(current.doc)
        if body.get("location") and regions.normalize(body["location"]) != current.location:
            raise bad("InvalidResourceLocation",
                      f"The resource '{name}' already exists in location '{current.location}' in resource group "
                      f"'{group}'. A resource with the same name cannot be created in location '{body['location']}'. "
                      "Please select a new resource name.")
        if body.get("kind") and str(body["kind"]).lower() != current.doc["kind"].lower():
            raise bad("KindCannotBeChanged", f"The kind of account '{name}' is '{current.doc['kind']}' and cannot "
                                             f"be changed to '{body['kind']}'.")
        if "sku" in body:
            doc["sku"] = _sku(body["sku"], current.doc["kind"])
        if "tags" in body:
            doc["tags"] = _tags(body["tags"])
    identity = _identity(sb, body.get("identity"), doc.get("identity"))
    doc["identity"] = {"type": "None"} if identity and identity["type"] == "None" else identity
    doc["properties"] = _properties(sb, given, current, identity)
    had_system = bool(current and current.principal_id)
    cmk_requested = (given.get("encryption") is not None
                     and doc["properties"].get("encryption", {}).get("keySource") == "Microsoft.KeyVault")
    return Change(subscription_id, group, name, current, doc, has_system_identity(identity) and not had_system,
                  had_system and not has_system_identity(identity), cmk_requested)


def save(sb, change: Change, cmk_state: dict | None) -> tuple[Account, bool]:
    """Write a planned change (one transaction): the system identity's service principal comes and
    goes with the identity block. Returns (account, created)."""
    c = change
    with sb.store.transaction():
        principal_id = c.current.principal_id if c.current else None
        if c.drop_system_identity:
            directory.remove(sb, principal_id)
            principal_id = None
        if c.new_system_identity:
            principal_id = directory.add_managed_identity(
                sb, account_id(c.subscription_id, c.resource_group, c.name), c.name).object_id
        cmk = cmk_state if c.cmk_requested else (c.current.cmk if c.current else None)
        if not (c.doc["properties"].get("encryption") or {}).get("keySource") == "Microsoft.KeyVault":
            cmk = None
        subdomain = c.doc["properties"].get("customSubDomainName")
        try:
            if c.current is None:
                sb.store.execute("INSERT INTO cs_accounts VALUES (?,?,?,?,?,?,?,?,NULL)",
                                 (c.subscription_id, c.resource_group, c.name, dumps(c.doc), subdomain, principal_id,
                                  dumps(cmk) if cmk else None, sb.clock.now()))
            else:
                sb.store.execute("UPDATE cs_accounts SET doc = ?, subdomain = ?, principal_id = ?, cmk = ? "
                                 "WHERE subscription_id = ? AND resource_group = ? AND name = ? AND deleted IS NULL",
                                 (dumps(c.doc), subdomain, principal_id, dumps(cmk) if cmk else None,
                                  c.subscription_id, c.resource_group, c.name))
        except sqlite3.IntegrityError:          # a concurrent request took the name or the subdomain
            if subdomain and by_subdomain(sb, subdomain):
                raise subdomain_in_use(subdomain)
            raise AzureError(409, "Conflict", f"Another operation on account '{c.name}' is in progress; retry.")
    return get_account(sb, c.subscription_id, c.resource_group, c.name), c.current is None


def stamp(sb, account: Account, caller, created: bool) -> Account:
    """systemData (ARM's who and when of the last write) on the account's document."""
    now = iso(sb.clock.now())
    who, kind = (caller.upn or caller.object_id), ("User" if caller.is_user else "Application")
    data = {} if created else dict(account.doc.get("systemData") or {})
    data.setdefault("createdBy", who)
    data.setdefault("createdByType", kind)
    data.setdefault("createdAt", now)
    data.update(lastModifiedBy=who, lastModifiedByType=kind, lastModifiedAt=now)
    return _write_doc(sb, account, {**account.doc, "systemData": data})


def access_keys(sb, account: Account, regenerate: str | None = None) -> dict:
    """The account's two keys (made at first use; `regenerate` = "Key1" or "Key2" makes that one anew)."""
    keys = dict(account.doc.get("accessKeys") or {})
    for name in ("key1", "key2"):
        if name not in keys or (regenerate or "").lower() == name:
            keys[name] = secrets.token_hex(16)
    if keys != account.doc.get("accessKeys"):
        _write_doc(sb, account, {**account.doc, "accessKeys": keys})
    return keys


def _write_doc(sb, account: Account, doc: dict) -> Account:
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET doc = ? WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ? AND deleted IS NULL",
                         (dumps(doc), account.subscription_id, account.resource_group, account.name))
    return get_account(sb, account.subscription_id, account.resource_group, account.name)


def record_cmk(sb, account: Account, cmk: dict) -> None:
    """Store the outcome of a key use (status shown on GET; a re-wrapped data key after rotation)."""
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET cmk = ? WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ? AND deleted IS NULL",
                         (dumps(cmk), account.subscription_id, account.resource_group, account.name))


# ---- delete, soft delete, restore, purge -----------------------------------------------------------

def soft_delete(sb, account: Account) -> None:
    """Delete = soft delete for 48 h: the name and subdomain stay held, the endpoint goes away. The
    identity stays with the deleted account so a restore brings it (and its key access) back."""
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET deleted = ? WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ? AND deleted IS NULL",
                         (sb.clock.now(), account.subscription_id, account.resource_group, account.name))


def refuse_if_soft_deleted(sb, subscription_id: str, group: str, name: str, body: dict) -> Account | None:
    """A PUT over a soft-deleted account: restore it when properties.restore is true, else Azure's 409."""
    deleted = get_account(sb, subscription_id, group, name, deleted=True)
    if deleted is None:
        return None
    if (body.get("properties") or {}).get("restore") is not True:
        # Observed wording (Azure/azure-cli#18146)
        raise AzureError(409, "FlagMustBeSetForRestore",
                         f"An existing resource with ID '{deleted.id}' has been soft-deleted. To restore the resource, "
                         "you must specify 'restore' to be 'true' in the property. If you don't want to restore "
                         "existing resource, please purge it first.")
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET deleted = NULL WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ?", (subscription_id, group, name))
    return get_account(sb, subscription_id, group, name)


def find_deleted(sb, subscription_id: str, location: str, group: str, name: str) -> Account:
    account = get_account(sb, subscription_id, group, name, deleted=True)
    if account is None or account.location != (regions.normalize(location) or location.lower()):
        raise AzureError(404, "ResourceNotFound",
                         f"The Resource '{NAMESPACE}/locations/{location}/resourceGroups/{group}/deletedAccounts/"
                         f"{name}' under resource group '{group}' was not found. For more details please go to "
                         "https://aka.ms/ARMResourceNotFoundFix")
    return account


def purge(sb, account: Account) -> None:
    """Gone for good: projects, identities (service principals) and role assignments at the account."""
    with sb.store.transaction():
        for project in list_projects(sb, account):
            _drop_project(sb, project)
        if account.principal_id:
            directory.remove(sb, account.principal_id)
        rbac.delete_assignments_under(sb, account.id)
        sb.store.execute("DELETE FROM cs_accounts WHERE subscription_id = ? AND resource_group = ? AND name = ?",
                         (account.subscription_id, account.resource_group, account.name))


def purge_date(account: Account) -> float:
    return account.deleted + RETENTION


def deletion_dates(account: Account) -> dict:
    return {"deletionDate": iso(account.deleted), "scheduledPurgeDate": iso(purge_date(account))}


# ---- projects ---------------------------------------------------------------------------------------

def _project(account: Account, row: dict | None) -> Project | None:
    if row is None:
        return None
    return Project(account, row["name"], loads(row["doc"]), row["principal_id"], row["created"],
                   (account.properties.get("defaultProject") or "").lower() == row["name"].lower())


def get_project(sb, account: Account, name: str) -> Project | None:
    return _project(account, sb.store.one(
        "SELECT * FROM cs_projects WHERE subscription_id = ? AND resource_group = ? AND account = ? AND name = ?",
        (account.subscription_id, account.resource_group, account.name, name)))


def list_projects(sb, account: Account) -> list[Project]:
    return [_project(account, r) for r in sb.store.all(
        "SELECT * FROM cs_projects WHERE subscription_id = ? AND resource_group = ? AND account = ? ORDER BY created",
        (account.subscription_id, account.resource_group, account.name))]


def require_project(sb, account: Account, name: str) -> Project:
    project = get_project(sb, account, name)
    if project is None:
        raise AzureError(404, "ResourceNotFound",
                         f"The Resource '{PROJECT_TYPE}/{account.name}/{name}' under resource group "
                         f"'{account.resource_group}' was not found. For more details please go to "
                         "https://aka.ms/ARMResourceNotFoundFix")
    return project


def parent_account(sb, subscription_id: str, group: str, name: str) -> Account:
    require_group(sb, subscription_id, group)
    account = get_account(sb, subscription_id, group, name)
    if account is None:
        # ARM's answer for a child of a missing parent
        raise AzureError(404, "ParentResourceNotFound",
                         f"Can not perform requested operation on nested resource. Parent resource '{name}' not found.")
    return account


def _project_rules(account: Account) -> None:
    """Projects need allowProjectManagement, kind AIServices, a managed identity and a custom
    subdomain (facts §C5, from the azurerm project resource docs)."""
    missing = []
    if account.doc["kind"] != "AIServices":
        missing.append(f"kind is '{account.doc['kind']}', not 'AIServices'")
    if not account.properties.get("allowProjectManagement"):
        missing.append("properties.allowProjectManagement is not true")
    if not account.doc.get("identity"):
        missing.append("the account has no managed identity")
    if not account.properties.get("customSubDomainName"):
        missing.append("properties.customSubDomainName is not set")
    if missing:
        raise bad("ProjectManagementNotEnabled",
                  f"Projects cannot be created under account '{account.name}': {'; '.join(missing)}. Update the "
                  "account first (PATCH properties.allowProjectManagement=true).")


def put_project(sb, account: Account, name: str, body: dict, *, patch: bool) -> tuple[Project, bool]:
    """PUT (create or update) or PATCH a project. The first project becomes the account's default."""
    _check_name(name, "project")
    current = get_project(sb, account, name)
    if current is None and patch:
        require_project(sb, account, name)
    if current is None:
        _project_rules(account)
    given = body.get("properties") or {}
    if not isinstance(given, dict):
        raise bad("InvalidRequestContent", "The property 'properties' must be an object.")
    if body.get("location") and regions.normalize(body["location"]) != account.location:
        raise bad("InvalidResourceLocation",
                  f"A project must be in the location of its account ('{account.location}'), not "
                  f"'{body['location']}'.")
    doc = dict(current.doc) if current else {"tags": {}, "properties": {}, "identity": None}
    if "tags" in body:
        doc["tags"] = _tags(body["tags"])
    props = dict(doc["properties"])
    for key in ("displayName", "description"):
        if key in given:
            if given[key] is not None and not isinstance(given[key], str):
                raise bad("InvalidRequestContent", f"The property 'properties.{key}' must be a string.")
            props[key] = given[key]
    doc["properties"] = props
    identity = _identity(sb, body.get("identity"), doc.get("identity"))
    doc["identity"] = identity if identity and identity["type"] != "None" else None
    had_system = bool(current and current.principal_id)
    with sb.store.transaction():
        principal_id = current.principal_id if current else None
        if had_system and not has_system_identity(identity):
            directory.remove(sb, principal_id)
            principal_id = None
        if has_system_identity(identity) and not had_system:
            principal_id = directory.add_managed_identity(sb, f"{account.id}/projects/{name}", name).object_id
        if current is None:
            sb.store.execute("INSERT INTO cs_projects VALUES (?,?,?,?,?,?,?)",
                             (account.subscription_id, account.resource_group, account.name, name, dumps(doc),
                              principal_id, sb.clock.now()))
            if not account.properties.get("defaultProject"):
                _write_default(sb, account, name)
        else:
            sb.store.execute("UPDATE cs_projects SET doc = ?, principal_id = ? WHERE subscription_id = ? AND "
                             "resource_group = ? AND account = ? AND name = ?",
                             (dumps(doc), principal_id, account.subscription_id, account.resource_group,
                              account.name, name))
    account = get_account(sb, account.subscription_id, account.resource_group, account.name)
    return get_project(sb, account, name), current is None


def delete_project(sb, account: Account, name: str) -> None:
    """Delete a project; if it was the default, the oldest remaining project becomes the default."""
    project = require_project(sb, account, name)
    with sb.store.transaction():
        _drop_project(sb, project)
        if project.is_default:
            rest = list_projects(sb, account)
            _write_default(sb, account, rest[0].name if rest else None)


def _drop_project(sb, project: Project) -> None:
    if project.principal_id:
        directory.remove(sb, project.principal_id)
    rbac.delete_assignments_under(sb, project.id)
    a = project.account
    sb.store.execute("DELETE FROM cs_projects WHERE subscription_id = ? AND resource_group = ? AND account = ? "
                     "AND name = ?", (a.subscription_id, a.resource_group, a.name, project.name))


def _write_default(sb, account: Account, name: str | None) -> None:
    doc = get_account(sb, account.subscription_id, account.resource_group, account.name).doc
    if name:
        doc["properties"]["defaultProject"] = name
    else:
        doc["properties"].pop("defaultProject", None)
    sb.store.execute("UPDATE cs_accounts SET doc = ? WHERE subscription_id = ? AND resource_group = ? AND name = ? "
                     "AND deleted IS NULL", (dumps(doc), account.subscription_id, account.resource_group, account.name))


# ---- platform hooks -----------------------------------------------------------------------------------

@registry.ticker
def _purge_due(sb, now: float) -> None:
    for row in sb.store.all("SELECT * FROM cs_accounts WHERE deleted IS NOT NULL AND deleted <= ?", (now - RETENTION,)):
        purge(sb, _account(row))


@registry.group_deleter
def _delete_group(sb, caller, subscription_id: str, group: str) -> None:
    """A group delete soft-deletes its accounts; user-assigned identities that live in the group go."""
    for account in list_accounts(sb, subscription_id, group):
        soft_delete(sb, account)
    directory.remove_under(sb, f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/"
                               "Microsoft.ManagedIdentity")


@registry.host_check("cognitive")
def _account_host(sb, label: str) -> bool:
    return by_subdomain(sb, label) is not None


@registry.resource_exists(NAMESPACE, "accounts")
def _account_exists(sb, subscription_id: str, group: str, names: list[str]) -> bool:
    return get_account(sb, subscription_id, group, names[0]) is not None


@registry.resource_exists(NAMESPACE, "accounts/projects")
def _project_exists(sb, subscription_id: str, group: str, names: list[str]) -> bool:
    account = get_account(sb, subscription_id, group, names[0])
    return account is not None and get_project(sb, account, names[1]) is not None
