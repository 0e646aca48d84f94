"""What the test modules share: names, the built-in roles, SDK clients, and the few resources most
tests start from (a resource group, a vault, a role assignment, a managed identity, a Foundry
account). `sandbox` is a conftest SandboxHandle (the session one or a test's own), `sb` a Sandbox."""
from __future__ import annotations

import uuid

from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
from azure.core.rest import HttpRequest, HttpResponse
from azure.keyvault.keys import KeyClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignment
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Identity, Sku
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import Sku as VaultSku
from azure.mgmt.keyvault.models import Vault, VaultCreateOrUpdateParameters, VaultProperties
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from labhelpers.sandbox import directory

ARM = "https://management.azure.com"

# ---- built-in role definitions (their GUIDs are the same in every tenant) -------------------------

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
KEY_VAULT_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395"
KEY_VAULT_CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_VAULT_READER = "21090545-7ca7-4776-b22c-e363652d74d2"
COGNITIVE_SERVICES_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"


def unique(prefix: str = "kv") -> str:
    """A fresh name: the prefix and 12 hex digits (a valid vault name with the default prefix)."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def role_id(sandbox, role: str) -> str:
    """The id of a built-in role definition in the sandbox's main subscription."""
    return f"/subscriptions/{sandbox.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def group_id(sandbox, group: str) -> str:
    return f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}"


def arm_token(sandbox) -> str:
    """The learner's bearer token for ARM, for requests made without an SDK client."""
    return sandbox.credential().get_token(f"{ARM}/.default").token


# ---- SDK clients, as the learner (subscription: the main one unless named) -------------------------

def resource_client(sandbox, subscription_id: str | None = None) -> ResourceManagementClient:
    return ResourceManagementClient(sandbox.credential(), subscription_id or sandbox.subscription_id)


def auth_client(sandbox, subscription_id: str | None = None) -> AuthorizationManagementClient:
    return AuthorizationManagementClient(sandbox.credential(), subscription_id or sandbox.subscription_id)


def vault_client(sandbox, subscription_id: str | None = None) -> KeyVaultManagementClient:
    return KeyVaultManagementClient(sandbox.credential(), subscription_id or sandbox.subscription_id)


def cognitive_client(sandbox, subscription_id: str | None = None) -> CognitiveServicesManagementClient:
    return CognitiveServicesManagementClient(sandbox.credential(), subscription_id or sandbox.subscription_id)


def key_client(sandbox, vault: Vault, **kwargs) -> KeyClient:
    return KeyClient(vault.properties.vault_uri, sandbox.credential(), **kwargs)


# ---- resources ------------------------------------------------------------------------------------

def create_group(sandbox, prefix: str = "rg-", location: str = "eastus") -> ResourceGroup:
    return resource_client(sandbox).resource_groups.create_or_update(unique(prefix), {"location": location})


def make_group(sandbox, prefix: str = "rg-", location: str = "eastus") -> str:
    """A new resource group; its name."""
    return create_group(sandbox, prefix, location).name


def make_vault(sandbox, group: str, name: str | None = None, *, rbac: bool = True, purge_protection=None,
               retention: int | None = None, sku: str = "standard", policies=None, location: str = "eastus",
               tags: dict | None = None) -> Vault:
    props = VaultProperties(tenant_id=sandbox.tenant_id, sku=VaultSku(family="A", name=sku),
                            enable_rbac_authorization=rbac, enable_purge_protection=purge_protection,
                            soft_delete_retention_in_days=retention, access_policies=policies)
    return vault_client(sandbox).vaults.begin_create_or_update(
        group, name or unique(), VaultCreateOrUpdateParameters(location=location, properties=props, tags=tags)).result()


def grant(sandbox, scope: str, role: str, principal_id: str, principal_type: str | None = None,
          **kwargs) -> RoleAssignment:
    """Assign a built-in role (a GUID above) at scope, under a fresh assignment name."""
    params = {"role_definition_id": role_id(sandbox, role), "principal_id": principal_id}
    if principal_type:
        params["principal_type"] = principal_type
    return auth_client(sandbox).role_assignments.create(scope, str(uuid.uuid4()), params, **kwargs)


def managed_identity(sb, group: str | None = None, resource_type: str = "Microsoft.CognitiveServices/accounts",
                     display_name: str = "ai"):
    """A system-assigned identity's service principal, as a provider makes it for a new resource of
    resource_type in the group with id `group` (by default group "rg" of the main subscription)."""
    group = group or f"/subscriptions/{sb.main_subscription_id}/resourceGroups/rg"
    return directory.add_managed_identity(sb, f"{group}/providers/{resource_type}/{unique(display_name)}",
                                          display_name)


def new_account(cs: CognitiveServicesManagementClient, group: str, name: str | None = None, *, subdomain=None,
                identity: str | Identity | None = "SystemAssigned", tags: dict | None = None, **props) -> Account:
    """An AIServices (Foundry) account, S0 in eastus, its custom subdomain its name unless given;
    identity: an identity type, an Identity, or None for none."""
    name = name or unique("ais-")
    account = Account(kind="AIServices", sku=Sku(name="S0"), location="eastus", tags=tags,
                      identity=Identity(type=identity) if isinstance(identity, str) else identity,
                      properties=AccountProperties(custom_sub_domain_name=subdomain or name, **props))
    return cs.accounts.begin_create(group, name, account).result()


def data_plane(credential, subdomain: str) -> HttpResponse:
    """GET /openai/models on an account's own host, with an Entra token for Cognitive Services."""
    base = f"https://{subdomain}.cognitiveservices.azure.com"
    client = PipelineClient(base, policies=[
        BearerTokenCredentialPolicy(credential, "https://cognitiveservices.azure.com/.default"), RetryPolicy(total=0)])
    return client.send_request(HttpRequest("GET", f"{base}/openai/models", params={"api-version": "2024-10-21"}))
