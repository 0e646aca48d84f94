"""Microsoft.CognitiveServices on ARM: accounts, projects, deleted accounts and domain checks, in
the 2025-09-01 wire format (azure-rest-specs/Microsoft.CognitiveServices, wire contract §4).
Every write finishes synchronously with provisioningState Succeeded, so the SDK's pollers are done
without a further request (wire contract §5)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import catalog
from ...clock import iso
from ...http import ok
from ...registry import resource_lister
from ...routing import ARM
from ..resources.models import require_group
from . import accounts, cmk, errors, models, projects

if TYPE_CHECKING:
    from ...context import Sandbox

_NS = models.NAMESPACE
_SUB = "/subscriptions/{subscriptionId}/providers/" + _NS
_ACCOUNTS = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/" + _NS + "/accounts"
_ACCOUNT = _ACCOUNTS + "/{accountName}"
_DELETED = _SUB + "/locations/{location}/resourceGroups/{resourceGroupName}/deletedAccounts/{accountName}"


def _route(method: str, pattern: str, action: str, type_name: str = "accounts", **kw):
    return ARM.route(method, pattern, action=action, api_versions=catalog.api_versions(_NS, type_name),
                     version_error=catalog.version_error(_NS, type_name), **kw)


# ---- wire format ------------------------------------------------------------------------------------

def _etag(at: float) -> str:
    return f"W/\"datetime'{iso(at).replace(':', '%3A')}'\""


def _identity_json(sb: Sandbox, identity: dict | None, principal_id: str | None) -> dict | None:
    if not identity:
        return None
    out = {"type": identity["type"]}
    if principal_id:
        out.update(principalId=principal_id, tenantId=sb.tenant_id)
    if identity.get("userAssignedIdentities"):
        out["userAssignedIdentities"] = identity["userAssignedIdentities"]
    return out


def _endpoints(subdomain: str) -> dict:
    """An AIServices account's hosts (facts §C6): its own name under three domains."""
    cs, ai, oai = (f"https://{subdomain}.{d}/" for d in ("cognitiveservices.azure.com", "services.ai.azure.com",
                                                           "openai.azure.com"))
    return {"AI Foundry API": ai, "Azure AI Model Inference API": ai, "OpenAI Language Model Instance API": oai,
            "OpenAI Dall-E API": oai, "OpenAI Realtime API": oai, "OpenAI Whisper API": oai,
            "Content Safety": cs, "Speech Services Speech to Text": cs, "Token Service API": cs}


def account_json(sb: Sandbox, account: models.Account, *, deleted: bool = False) -> dict:
    doc = account.doc
    props = dict(account.properties)
    subdomain = props.get("customSubDomainName")
    props.update(provisioningState="Succeeded", internalId=doc["internalId"], isMigrated=False,
                 dateCreated=iso(account.created),
                 endpoint=f"https://{subdomain}.cognitiveservices.azure.com/" if subdomain
                 else f"https://{account.location}.api.cognitive.microsoft.com/",
                 endpoints=_endpoints(subdomain) if subdomain else {})
    props.setdefault("publicNetworkAccess", "Enabled")
    projects = models.list_projects(sb, account)
    if projects:
        props["associatedProjects"] = [p.name for p in projects]
    if account.uses_cmk and account.cmk:
        # Sandbox signal (Cosmos DB's documented property name): the outcome of the last key use.
        props["customerManagedKeyStatus"] = account.cmk["status"]
    if deleted:
        props.update(accounts.deletion_dates(account))
    # A deleted account's type is deletedAccounts (recorded answers, issue #8; the spec example says accounts)
    kind_of = f"{_NS}/deletedAccounts" if deleted else models.ACCOUNT_TYPE
    out = {"id": account.id, "name": account.name, "type": kind_of, "location": account.location,
           "kind": doc["kind"], "sku": doc["sku"], "tags": doc["tags"], "etag": _etag(account.created),
           "properties": props}
    if doc.get("systemData"):        # as the recorded account PUT/GET carry it (test_cognitiveservices_aiservices.yaml)
        out["systemData"] = doc["systemData"]
    if deleted:
        out["id"] = (f"/subscriptions/{account.subscription_id}/providers/{_NS}/locations/{account.location}"
                     f"/resourceGroups/{account.resource_group}/deletedAccounts/{account.name}")
    identity = _identity_json(sb, doc.get("identity"), account.principal_id)
    if identity:
        out["identity"] = identity
    return out


def project_json(sb: Sandbox, project: models.Project) -> dict:
    subdomain = project.account.properties.get("customSubDomainName")
    props = dict(project.doc["properties"])
    props.update(provisioningState="Succeeded", isDefault=project.is_default, endpoints={
        "AI Foundry API": f"https://{subdomain}.services.ai.azure.com/api/projects/{project.name}",
        "OpenAI Language Model Instance API": f"https://{subdomain}.openai.azure.com/"})
    out = {"id": project.id, "name": project.name, "type": models.PROJECT_TYPE,
           "location": project.account.location, "tags": project.doc["tags"], "etag": _etag(project.created),
           "properties": props}
    identity = _identity_json(sb, project.doc.get("identity"), project.principal_id)
    if identity:
        out["identity"] = identity
    return out


@resource_lister
def generic_resources(sb: Sandbox, subscription_id: str, group: str | None) -> list[dict]:
    """Accounts and their projects (tracked resources too, named 'account/project' as ARM names a
    nested resource in its generic list) for GET …/resources."""
    def entry(body: dict, **name) -> dict:
        keep = ("id", "name", "type", "location", "tags", "kind", "sku", "identity")
        return {**{k: v for k, v in body.items() if k in keep}, **name}
    found = []
    for account in models.list_accounts(sb, subscription_id, group):
        found.append(entry(account_json(sb, account)))
        found += [entry(project_json(sb, p), name=f"{account.name}/{p.name}")
                  for p in models.list_projects(sb, account)]
    return found


# ---- domain availability ----------------------------------------------------------------------------

@_route("POST", _SUB + "/checkDomainAvailability", f"{_NS}/checkDomainAvailability/action",
        "checkDomainAvailability", name="CheckDomainAvailability")
def check_domain_availability(sb: Sandbox, req, subscriptionId):
    body = req.json_object()
    if not body.get("subdomainName") or not body.get("type"):
        raise errors.DOMAIN_CHECK_INCOMPLETE()
    available, reason = models.check_domain(sb, body["subdomainName"])
    return ok({"isSubdomainAvailable": available, "reason": reason, "subdomainName": body["subdomainName"],
               "type": body["type"], "kind": body.get("kind")})


# ---- accounts -----------------------------------------------------------------------------------------

@_route("PUT", _ACCOUNT, f"{_NS}/accounts/write", name="AccountPut")
def put_account(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    group = require_group(sb, subscriptionId, resourceGroupName)["name"]
    body = req.json_object()
    restored = accounts.refuse_if_soft_deleted(sb, subscriptionId, group, accountName, body)
    if restored:
        return ok(account_json(sb, restored), 200)
    creating = models.get_account(sb, subscriptionId, group, accountName) is None
    change = accounts.plan(sb, subscriptionId, group, accountName, body, creating=creating)
    return _apply(sb, change, req.caller)


@_route("PATCH", _ACCOUNT, f"{_NS}/accounts/write", name="AccountPatch")
def patch_account(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    account = models.require_account(sb, subscriptionId, resourceGroupName, accountName)
    change = accounts.plan(sb, subscriptionId, account.resource_group, account.name, req.json_object(), creating=False)
    return _apply(sb, change, req.caller)


def _apply(sb: Sandbox, change: accounts.Change, caller):
    # The key is checked as the identity before anything is written (outside the write transaction,
    # so Key Vault's audit records of a refused attempt are kept).
    state = cmk.configure(sb, change) if change.cmk_requested else None
    account, created = accounts.save(sb, change, state)
    account = accounts.stamp(sb, account, caller, created)
    return ok(account_json(sb, account), 201 if created else 200)


@_route("GET", _ACCOUNT, f"{_NS}/accounts/read", name="AccountGet")
def get_account(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    return ok(account_json(sb, models.require_account(sb, subscriptionId, resourceGroupName, accountName)))


@_route("DELETE", _ACCOUNT, f"{_NS}/accounts/delete", name="AccountDelete")
def delete_account(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    require_group(sb, subscriptionId, resourceGroupName)
    account = models.get_account(sb, subscriptionId, resourceGroupName, accountName)
    if account is None:
        return ok(status=204)            # ARM: deleting what is not there is a 204
    accounts.soft_delete(sb, account)
    return ok(status=200)


@_route("GET", _ACCOUNTS, f"{_NS}/accounts/read", name="AccountListByGroup")
def list_by_group(sb: Sandbox, req, subscriptionId, resourceGroupName):
    group = require_group(sb, subscriptionId, resourceGroupName)["name"]
    return ok({"value": [account_json(sb, a) for a in models.list_accounts(sb, subscriptionId, group)]})


@_route("GET", _SUB + "/accounts", f"{_NS}/accounts/read", name="AccountList")
def list_accounts(sb: Sandbox, req, subscriptionId):
    return ok({"value": [account_json(sb, a) for a in models.list_accounts(sb, subscriptionId)]})


# ---- keys (local authentication) ----------------------------------------------------------------------

def _local_auth(account: models.Account, what: str) -> None:
    """With disableLocalAuth, Azure refuses the keys: 400 BadRequest "Failed to list key. disableLocalAuth
    is set to be true" (Azure/terraform-azurerm-avm-res-cognitiveservices-account#130; the regenerate
    wording follows it, ours)."""
    if account.properties.get("disableLocalAuth"):
        raise errors.LOCAL_AUTH_DISABLED(what=what)


@_route("POST", _ACCOUNT + "/listKeys", f"{_NS}/accounts/listKeys/action", name="AccountListKeys")
def list_keys(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    account = models.require_account(sb, subscriptionId, resourceGroupName, accountName)
    _local_auth(account, "list")
    return ok(accounts.access_keys(sb, account))


@_route("POST", _ACCOUNT + "/regenerateKey", f"{_NS}/accounts/regenerateKey/action", name="AccountRegenerateKey")
def regenerate_key(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    account = models.require_account(sb, subscriptionId, resourceGroupName, accountName)
    key_name = req.json_object().get("keyName")
    if str(key_name).lower() not in ("key1", "key2"):
        raise errors.KEY_NAME_INVALID(key_name=key_name)
    _local_auth(account, "regenerate")
    return ok(accounts.access_keys(sb, account, regenerate=key_name))


# ---- soft-deleted accounts ------------------------------------------------------------------------------

@_route("GET", _SUB + "/deletedAccounts", f"{_NS}/deletedAccounts/read", "deletedAccounts", name="DeletedAccountList")
def list_deleted(sb: Sandbox, req, subscriptionId):
    return ok({"value": [account_json(sb, a, deleted=True)
                         for a in models.list_accounts(sb, subscriptionId, deleted=True)]})


@_route("GET", _DELETED, f"{_NS}/locations/resourceGroups/deletedAccounts/read",
        "locations/resourceGroups/deletedAccounts", name="DeletedAccountGet")
def get_deleted(sb: Sandbox, req, subscriptionId, location, resourceGroupName, accountName):
    return ok(account_json(sb, accounts.find_deleted(sb, subscriptionId, location, resourceGroupName, accountName),
                           deleted=True))


@_route("DELETE", _DELETED, f"{_NS}/locations/resourceGroups/deletedAccounts/delete",
        "locations/resourceGroups/deletedAccounts", name="DeletedAccountPurge")
def purge_deleted(sb: Sandbox, req, subscriptionId, location, resourceGroupName, accountName):
    accounts.purge(sb, accounts.find_deleted(sb, subscriptionId, location, resourceGroupName, accountName))
    return ok(status=200)


# ---- projects -------------------------------------------------------------------------------------------

_PROJECT = _ACCOUNT + "/projects/{projectName}"


@_route("PUT", _PROJECT, f"{_NS}/accounts/projects/write", "accounts/projects", name="ProjectPut")
def put_project(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName, projectName):
    account = projects.parent_account(sb, subscriptionId, resourceGroupName, accountName)
    project, created = projects.put_project(sb, account, projectName, req.json_object(), patch=False)
    return ok(project_json(sb, project), 201 if created else 200)


@_route("PATCH", _PROJECT, f"{_NS}/accounts/projects/write", "accounts/projects", name="ProjectPatch")
def patch_project(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName, projectName):
    account = projects.parent_account(sb, subscriptionId, resourceGroupName, accountName)
    project, _ = projects.put_project(sb, account, projectName, req.json_object(), patch=True)
    return ok(project_json(sb, project))


@_route("GET", _PROJECT, f"{_NS}/accounts/projects/read", "accounts/projects", name="ProjectGet")
def get_project(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName, projectName):
    account = projects.parent_account(sb, subscriptionId, resourceGroupName, accountName)
    return ok(project_json(sb, models.require_project(sb, account, projectName)))


@_route("DELETE", _PROJECT, f"{_NS}/accounts/projects/delete", "accounts/projects", name="ProjectDelete")
def delete_project(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName, projectName):
    account = projects.parent_account(sb, subscriptionId, resourceGroupName, accountName)
    if models.get_project(sb, account, projectName) is None:
        return ok(status=204)
    projects.delete_project(sb, account, projectName)
    return ok(status=200)


@_route("GET", _ACCOUNT + "/projects", f"{_NS}/accounts/projects/read", "accounts/projects", name="ProjectList")
def list_projects(sb: Sandbox, req, subscriptionId, resourceGroupName, accountName):
    account = projects.parent_account(sb, subscriptionId, resourceGroupName, accountName)
    return ok({"value": [project_json(sb, p) for p in models.list_projects(sb, account)]})
