"""The rules of an account's PUT and PATCH (location, kind, sku, subdomain, encryption, identity;
facts §C), planned before anything is written and then saved, and its lifecycle: soft delete for 48 h,
restore, purge (facts §C3). Sources as in models.py."""
from __future__ import annotations

import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import catalog, directory, rbac, regions, registry
from ...clock import iso
from ...errors import AzureError
from ...store import dumps, present
from . import errors, projects
from .models import (ACCOUNT_TYPE, KEY_SOURCES, KINDS, NAMESPACE, OTHER_SKUS, RETENTION, SKUS, STORED, SUBDOMAIN,
                     Account, account_of, check_name, identity_block, invalid, valid_tags, account_id, by_subdomain,
                     get_account, get_project, has_system_identity, list_accounts, list_projects)

if TYPE_CHECKING:
    from ...context import Sandbox

# ---- validation of the account body ----------------------------------------------------------------

def _location(value) -> str:
    if not value:
        raise errors.LOCATION_REQUIRED()
    offered = catalog.locations(NAMESPACE, "accounts")
    location = regions.normalize(value)
    if location not in offered:
        raise errors.LOCATION_NOT_AVAILABLE(value=value, account_type=ACCOUNT_TYPE, values=','.join(offered))
    return location


def _kind(value) -> str:
    kind = next((k for k in KINDS if isinstance(value, str) and k.lower() == value.lower()), None)
    if kind is None:
        raise (errors.KIND_INVALID if value else errors.KIND_REQUIRED)(value=value, account_type=ACCOUNT_TYPE,
                                                                        kinds=", ".join(KINDS))
    return kind


def _sku(value, kind: str) -> dict:
    name = value.get("name") if isinstance(value, dict) else None
    allowed = SKUS.get(kind.lower(), OTHER_SKUS)
    match = next((s for s in allowed if isinstance(name, str) and s.lower() == name.lower()), None)
    if match is None:
        raise (errors.SKU_INVALID if name else errors.SKU_REQUIRED)(name=name, kind=kind, skus=", ".join(allowed))
    return {"name": match}


def _subdomain(sb: Sandbox, value, current: Account | None) -> str | None:
    held = current.properties.get("customSubDomainName") if current else None
    if value is None:
        return held
    if current is not None and held and held.lower() != str(value).lower():
        raise errors.SUBDOMAIN_FIXED(name=current.name, held=held)
    if not isinstance(value, str) or not SUBDOMAIN.match(value):
        # microsoft-foundry-for-vscode#121
        raise errors.SUBDOMAIN_INVALID(value=value)
    taken = sb.store.one("SELECT subscription_id, resource_group, name FROM cs_accounts WHERE subdomain = ?", (value,))
    if taken and not (current and account_id(taken["subscription_id"], taken["resource_group"], taken["name"])
                      .lower() == current.id.lower()):
        raise subdomain_in_use(value)
    return held or value


def subdomain_in_use(value: str) -> AzureError:
    # Observed wording (Azure-Samples/azuresandbox#164, microsoft-foundry-for-vscode#107).
    return errors.SUBDOMAIN_IN_USE(value=value)


def _encryption(value, current: Account | None) -> dict | None:
    """The requested encryption block, normalised; refuses the changes Foundry does not allow (facts §C2)."""
    before = current.encryption if current else None
    if value is None:
        return before
    if not isinstance(value, dict):
        raise errors.ENCRYPTION_NOT_OBJECT()
    # The spec's default keySource is Microsoft.KeyVault.
    source = KEY_SOURCES.get(str(value.get("keySource") or "Microsoft.KeyVault").lower())
    if source is None:
        raise invalid("'properties.encryption.keySource'", value.get("keySource"), KEY_SOURCES.values())
    was_cmk = (before or {}).get("keySource") == "Microsoft.KeyVault"
    if source == "Microsoft.CognitiveServices":
        if current is not None and was_cmk:
            raise errors.KEY_SOURCE_FIXED(name=current.name)
        return {"keySource": source}
    kv = value.get("keyVaultProperties")
    if not isinstance(kv, dict):
        raise errors.KEY_VAULT_PROPERTIES_REQUIRED()
    kept = {k: kv[k] for k in ("keyName", "keyVersion", "keyVaultUri", "identityClientId")
            if kv.get(k) not in (None, "")}
    for k, v in kept.items():
        if not isinstance(v, str):
            raise errors.KEY_VAULT_PROPERTY_NOT_STRING(k=k)
    return {"keySource": source, "keyVaultProperties": kept}


def _properties(sb: Sandbox, given: dict, current: Account | None, identity: dict | None) -> dict:
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
            raise invalid("'properties.publicNetworkAccess'", given["publicNetworkAccess"], ("Enabled", "Disabled"))
        props["publicNetworkAccess"] = pna
    for flag in ("allowProjectManagement", "disableLocalAuth", "restrictOutboundNetworkAccess",
                 "dynamicThrottlingEnabled", "storedCompletionsDisabled"):
        if flag in given and not isinstance(given[flag], bool):
            raise errors.FLAG_NOT_BOOLEAN(flag=flag)
    if current and current.properties.get("allowProjectManagement") and given.get("allowProjectManagement") is False:
        raise errors.PROJECT_MANAGEMENT_FIXED(name=current.name)
    if "defaultProject" in given:
        # The project that data-plane calls target when they name none (spec); it must exist.
        project = get_project(sb, current, given["defaultProject"]) if current and isinstance(
            given["defaultProject"], str) else None
        if project is None:
            raise errors.DEFAULT_PROJECT_UNKNOWN(default_project=given['defaultProject'])
        props["defaultProject"] = project.name
    encryption = _encryption(given.get("encryption"), current)
    if encryption is None:
        props.pop("encryption", None)
    else:
        props["encryption"] = encryption
    no_identity = (identity or {}).get("type", "None") == "None"
    if encryption and encryption["keySource"] == "Microsoft.KeyVault" and no_identity:
        # Observed wording (microsoft/sample-app-aoai-chatGPT#1345)
        raise errors.CMK_NEEDS_IDENTITY()
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


def plan(sb: Sandbox, subscription_id: str, group: str, name: str, body: dict, *, creating: bool) -> Change:
    """Validate a PUT (creating=True when no account exists) or a PATCH, without side effects except
    bringing referenced user-assigned identities into the directory."""
    check_name(name)
    current = None if creating else present(get_account(sb, subscription_id, group, name), name)
    given = body.get("properties") or {}
    if not isinstance(given, dict):
        raise errors.PROPERTIES_NOT_OBJECT()
    if current is None:
        location, kind = _location(body.get("location")), _kind(body.get("kind"))
        doc: dict = {"location": location, "kind": kind, "sku": _sku(body.get("sku"), kind),
               "tags": valid_tags(body.get("tags")), "identity": None, "properties": {},
               "internalId": uuid.uuid4().hex}
    else:
        doc = dict(current.doc)
        if body.get("location") and regions.normalize(body["location"]) != current.location:
            raise errors.ACCOUNT_LOCATION_FIXED(name=name, location=current.location, group=group,
                                                location2=body["location"])
        if body.get("kind") and str(body["kind"]).lower() != current.doc["kind"].lower():
            raise errors.KIND_FIXED(name=name, kind=current.doc['kind'], kind2=body['kind'])
        if "sku" in body:
            doc["sku"] = _sku(body["sku"], current.doc["kind"])
        if "tags" in body:
            doc["tags"] = valid_tags(body["tags"])
    identity = identity_block(sb, body.get("identity"), doc.get("identity"))
    doc["identity"] = {"type": "None"} if identity and identity["type"] == "None" else identity
    doc["properties"] = _properties(sb, given, current, identity)
    had_system = bool(current and current.principal_id)
    cmk_requested = (given.get("encryption") is not None
                     and doc["properties"].get("encryption", {}).get("keySource") == "Microsoft.KeyVault")
    return Change(subscription_id, group, name, current, doc, has_system_identity(identity) and not had_system,
                  had_system and not has_system_identity(identity), cmk_requested)


def save(sb: Sandbox, change: Change, cmk_state: dict | None) -> tuple[Account, bool]:
    """Write a planned change (one transaction): the system identity's service principal comes and
    goes with the identity block. Returns (account, created)."""
    c = change
    with sb.store.transaction():
        principal_id = c.current.principal_id if c.current else None
        if c.drop_system_identity:
            directory.remove(sb, present(principal_id, c.name))
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
            raise errors.CONCURRENT_CHANGE(name=c.name)
    return present(get_account(sb, c.subscription_id, c.resource_group, c.name), c.name), c.current is None


def stamp(sb: Sandbox, account: Account, caller, created: bool) -> Account:
    """systemData (ARM's who and when of the last write) on the account's document."""
    now = iso(sb.clock.now())
    who, kind = (caller.upn or caller.object_id), ("User" if caller.is_user else "Application")
    data = {} if created else dict(account.doc.get("systemData") or {})
    data.setdefault("createdBy", who)
    data.setdefault("createdByType", kind)
    data.setdefault("createdAt", now)
    data.update(lastModifiedBy=who, lastModifiedByType=kind, lastModifiedAt=now)
    return _write_doc(sb, account, {**account.doc, "systemData": data})


def access_keys(sb: Sandbox, account: Account, regenerate: str | None = None) -> dict:
    """The account's two keys (made at first use; `regenerate` = "Key1" or "Key2" makes that one anew)."""
    keys = dict(account.doc.get("accessKeys") or {})
    for name in ("key1", "key2"):
        if name not in keys or (regenerate or "").lower() == name:
            keys[name] = secrets.token_hex(16)
    if keys != account.doc.get("accessKeys"):
        _write_doc(sb, account, {**account.doc, "accessKeys": keys})
    return keys


def _write_doc(sb: Sandbox, account: Account, doc: dict) -> Account:
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET doc = ? WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ? AND deleted IS NULL",
                         (dumps(doc), account.subscription_id, account.resource_group, account.name))
    return present(get_account(sb, account.subscription_id, account.resource_group, account.name), account.name)


def record_cmk(sb: Sandbox, account: Account, cmk: dict) -> None:
    """Store the outcome of a key use (status shown on GET; a re-wrapped data key after rotation)."""
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET cmk = ? WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ? AND deleted IS NULL",
                         (dumps(cmk), account.subscription_id, account.resource_group, account.name))


# ---- delete, soft delete, restore, purge -----------------------------------------------------------

def soft_delete(sb: Sandbox, account: Account) -> None:
    """Delete = soft delete for 48 h: the name and subdomain stay held, the endpoint goes away. The
    identity stays with the deleted account so a restore brings it (and its key access) back."""
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET deleted = ? WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ? AND deleted IS NULL",
                         (sb.clock.now(), account.subscription_id, account.resource_group, account.name))


def refuse_if_soft_deleted(sb: Sandbox, subscription_id: str, group: str, name: str, body: dict) -> Account | None:
    """A PUT over a soft-deleted account: restore it when properties.restore is true, else Azure's 409."""
    deleted = get_account(sb, subscription_id, group, name, deleted=True)
    if deleted is None:
        return None
    if (body.get("properties") or {}).get("restore") is not True:
        # Observed wording (Azure/azure-cli#18146)
        raise errors.RESTORE_FLAG_REQUIRED(id=deleted.id)
    with sb.store.transaction():
        sb.store.execute("UPDATE cs_accounts SET deleted = NULL WHERE subscription_id = ? AND resource_group = ? "
                         "AND name = ?", (subscription_id, group, name))
    return get_account(sb, subscription_id, group, name)


def find_deleted(sb: Sandbox, subscription_id: str, location: str, group: str, name: str) -> Account:
    account = get_account(sb, subscription_id, group, name, deleted=True)
    if account is None or account.location != (regions.normalize(location) or location.lower()):
        raise errors.DELETED_ACCOUNT_NOT_FOUND(namespace=NAMESPACE, location=location, group=group, name=name)
    return account


def purge(sb: Sandbox, account: Account) -> None:
    """Gone for good: projects, identities (service principals) and role assignments at the account."""
    with sb.store.transaction():
        for project in list_projects(sb, account):
            projects.drop(sb, project)
        if account.principal_id:
            directory.remove(sb, account.principal_id)
        rbac.delete_assignments_under(sb, account.id)
        sb.store.execute("DELETE FROM cs_accounts WHERE subscription_id = ? AND resource_group = ? AND name = ?",
                         (account.subscription_id, account.resource_group, account.name))


def purge_date(account: Account) -> float:
    """When a soft-deleted account is purged (it must be a deleted one)."""
    return present(account.deleted, account.name) + RETENTION


def deletion_dates(account: Account) -> dict:
    return {"deletionDate": iso(present(account.deleted, account.name)),
            "scheduledPurgeDate": iso(purge_date(account))}



@registry.ticker
def _purge_due(sb: Sandbox, now: float) -> None:
    for row in sb.store.all("SELECT * FROM cs_accounts WHERE deleted IS NOT NULL AND deleted <= ?", (now - RETENTION,)):
        purge(sb, account_of(row))


@registry.group_deleter
def _delete_group(sb: Sandbox, caller, subscription_id: str, group: str) -> None:
    """A group delete soft-deletes its accounts; user-assigned identities that live in the group go."""
    for account in list_accounts(sb, subscription_id, group):
        soft_delete(sb, account)
    directory.remove_under(sb, f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/"
                               "Microsoft.ManagedIdentity")
