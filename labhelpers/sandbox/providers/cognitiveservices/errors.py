"""Cognitive Services' error answers, in one place: each one with its HTTP status, Azure's error code,
the message (a template of the fields the raiser passes) and where its wording was taken from. "facts §"
is shared/reference/azure-behavior-facts.md; "ours" marks words of the sandbox's own where Azure's are
not documented (docs/cognitive-services-cmk.md). The key checks' own problem codes
(KeyVaultNotFound, ...) are raised by cmk.py as the details of these answers."""
from __future__ import annotations

from ...errors import Error

ACCOUNT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{account_type}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's wording (microsoft/foundry-dev-tools#512)")
VALUE_NOT_ALLOWED = Error(400, "InvalidRequestContent", "The value '{value}' of {what} is not valid. Allowed values: {values}.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's (Azure quotes its JSON reader)")
IDENTITY_NOT_OBJECT = Error(400, "InvalidRequestContent", "The property 'identity' must be an object.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
USER_IDENTITIES_NOT_OBJECT = Error(400, "InvalidRequestContent", "The property 'identity.userAssignedIdentities' must be an object.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
USER_IDENTITY_MISSING = Error(400, "InvalidIdentity", "Identity type '{kind}' needs at least one entry in identity.userAssignedIdentities.",
    source="ours: the rule is the spec's Identity (userAssignedIdentities with UserAssigned); Azure's wording is not recorded")
PROJECT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{project_type}/{name}/{name2}' under resource group '{resource_group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's ResourceNotFound wording (microsoft/foundry-dev-tools#512), for the nested type")
NAME_INVALID = Error(400, "InvalidResourceName", "The {what} name '{name}' is invalid. It must be 2 to 64 characters long, start with a letter or digit, and contain only letters, digits, '_', '.' and '-'.",
    source="ours: the rule is the spec's account-name pattern (facts \u00a7C5); Azure's wording is not recorded")
TAGS_INVALID = Error(400, "InvalidRequestContent", "The property 'tags' must be an object of at most 50 string values.",
    source="ours: ARM's InvalidRequestContent code; the limit of 50 tags is ARM's (resource-name-rules), the words are the sandbox's")
USER_IDENTITIES_NOT_ALLOWED = Error(400, "InvalidIdentity", "userAssignedIdentities may only be given with identity type 'UserAssigned' or 'SystemAssigned, UserAssigned', not '{kind}'.",
    source="ours: the rule is the spec's Identity; Azure's wording is not recorded")
USER_IDENTITY_ID_INVALID = Error(400, "InvalidIdentity", "'{resource_id}' is not a user-assigned identity resource id (/subscriptions/{{s}}/resourceGroups/{{g}}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{{name}}).",
    source="ours: the rule is the spec's userAssignedIdentities keys (ARM ids); Azure's wording is not recorded")
SUBDOMAIN_IN_USE = Error(409, "CustomDomainInUse", "Please pick a different name. The subdomain name '{value}' is not available as it's already used by a resource. If the resource using the name was deleted in the last 48 hours, you may need to purge the deleted resource. Learn more at \"https://go.microsoft.com/fwlink/?linkid=2215493\"",
    source="Observed wording (Azure-Samples/azuresandbox#164, microsoft-foundry-for-vscode#107).")
LOCATION_REQUIRED = Error(400, "LocationRequired", "The location property is required for this definition.",
    source="Azure/autorest.cli#97 (ARM's answer for a tracked resource without a location)")
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceType", "The provided location '{value}' is not available for resource type '{account_type}'. List of available regions for the resource type is '{values}'.",
    source="ARM's wording, as public deployment logs quote it for other types ('Microsoft.Web/staticSites', 'Microsoft.DurableTask/schedulers'); ours for this type")
SUBDOMAIN_FIXED = Error(400, "CustomSubDomainNameCannotBeChanged", "The customSubDomainName of account '{name}' is '{held}'; it cannot be changed once set (create a new account to use another subdomain).",
    source="ours: the rule is facts \u00a7C6 (cognitive-services-custom-subdomains.md: it cannot be changed); Azure's exact answer is not documented (facts \u00a7C6 mark it unconfirmed)")
SUBDOMAIN_INVALID = Error(400, "CustomDomainInvalid", "Sub domain name '{value}' is not valid.",
    source="microsoft-foundry-for-vscode#121")
ENCRYPTION_NOT_OBJECT = Error(400, "InvalidRequestContent", "The property 'properties.encryption' must be an object.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
KEY_VAULT_PROPERTIES_REQUIRED = Error(400, "InvalidKeyVaultProperties", "KeyVaultProperties is invalid: properties.encryption.keyVaultProperties (keyVaultUri, keyName, optional keyVersion and identityClientId) is required when keySource is 'Microsoft.KeyVault'.",
    source="ours: the 'KeyVaultProperties is invalid' prefix is the FS README's (facts \u00a7C3); the rest is the sandbox's")
PROJECT_MANAGEMENT_FIXED = Error(400, "AllowProjectManagementCannotBeDisabled", "allowProjectManagement cannot be turned off on account '{name}' once it is enabled.",
    source="ours: the rule is facts \u00a7C5 (the FS sample: it cannot be reversed once set); Azure's wording is not recorded")
CMK_NEEDS_IDENTITY = Error(400, "ManagedIdentityIsNotEnabled", "Managed Identity (MI) is not set for this account while the encryption key source is 'Microsoft.KeyVault', customer managed storage or Network Security Perimeter is used.",
    source="Observed wording (microsoft/sample-app-aoai-chatGPT#1345)")
PROPERTIES_NOT_OBJECT = Error(400, "InvalidRequestContent", "The property 'properties' must be an object.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
RESTORE_FLAG_REQUIRED = Error(409, "FlagMustBeSetForRestore", "An existing resource with ID '{id}' has been soft-deleted. To restore the resource, you must specify 'restore' to be 'true' in the property. If you don't want to restore existing resource, please purge it first.",
    source="Observed wording (Azure/azure-cli#18146)")
DELETED_ACCOUNT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{namespace}/locations/{location}/resourceGroups/{group}/deletedAccounts/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's ResourceNotFound wording (microsoft/foundry-dev-tools#512), for the deleted account's path; ours in the path it names")
KEY_SOURCE_FIXED = Error(400, "KeySourceChangeNotAllowed", "Account '{name}' is encrypted with a customer-managed key; it cannot be switched back to Microsoft-managed keys (keySource 'Microsoft.CognitiveServices'). Point properties.encryption.keyVaultProperties at another key in the same key vault instead.",
    source="ours: the rule is facts \u00a7C2 (no switch back from CMK to Microsoft-managed keys); Azure's exact answer is not documented (facts \u00a7C2/\u00a7C3 mark it unconfirmed)")
KEY_VAULT_PROPERTY_NOT_STRING = Error(400, "InvalidKeyVaultProperties", "KeyVaultProperties is invalid: '{k}' must be a string.",
    source="ours: the 'KeyVaultProperties is invalid' prefix is the FS README's (facts \u00a7C3); the rest is the sandbox's")
FLAG_NOT_BOOLEAN = Error(400, "InvalidRequestContent", "The property 'properties.{flag}' must be true or false.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
DEFAULT_PROJECT_UNKNOWN = Error(400, "InvalidDefaultProject", "properties.defaultProject '{default_project}' is not a project of this account; create the project first.",
    source="ours: the rule is the spec's defaultProject; Azure's wording is not recorded")
ACCOUNT_LOCATION_FIXED = Error(400, "InvalidResourceLocation", "The resource '{name}' already exists in location '{location}' in resource group '{group}'. A resource with the same name cannot be created in location '{location2}'. Please select a new resource name.",
    source="MicrosoftDocs/azure-docs#70422, fortinetsolutions/Azure-Templates#8 (ARM's answer for any resource type)")
KIND_FIXED = Error(400, "KindCannotBeChanged", "The kind of account '{name}' is '{kind}' and cannot be changed to '{kind2}'.",
    source="ours: the kind is fixed at creation (the spec's kind); Azure's wording is not recorded")
CONCURRENT_CHANGE = Error(409, "Conflict", "Another operation on account '{name}' is in progress; retry.",
    source="ours: ARM's Conflict code for an operation in progress; the words are the sandbox's")
PARENT_ACCOUNT_NOT_FOUND = Error(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '{name}' not found.",
    source="ours: ARM's ParentResourceNotFound code and its usual words; no recorded answer for a project was found")
PROJECT_MANAGEMENT_NOT_ENABLED = Error(400, "ProjectManagementNotEnabled", "Projects cannot be created under account '{name}': {values}. Update the account first (PATCH properties.allowProjectManagement=true).",
    source="ours: the rule is facts \u00a7C5 (terraform azurerm_cognitive_account_project docs); Azure's wording is not recorded")
PROJECT_LOCATION_NOT_ACCOUNTS = Error(400, "InvalidResourceLocation", "A project must be in the location of its account ('{location}'), not '{location2}'.",
    source="ours: the rule is the FS samples' (a project in its account's location); Azure's wording is not recorded")
PROPERTY_NOT_STRING = Error(400, "InvalidRequestContent", "The property 'properties.{key}' must be a string.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
CUSTOMER_MANAGED_KEY_INACCESSIBLE = Error(403, "CustomerManagedKeyInaccessible", "Account '{name}' cannot use its customer-managed key, so its data cannot be decrypted: {message}",
    source="ours: facts \u00a7C2 (revoking the key 'effectively blocks access to all data'); Azure's exact answer is not documented (facts \u00a7C2/\u00a7C3 mark it unconfirmed)")
DOMAIN_CHECK_INCOMPLETE = Error(400, "InvalidRequestContent", "The request content was invalid: 'subdomainName' and 'type' are required.",
    source="ours: the required fields are the spec's CheckDomainAvailabilityParameter; the words are the sandbox's")
ENDPOINT_GONE = Error(404, "404", "Resource not found",
    source="ours: the shape of Cognitive Services' data-plane 404 (app.py answers an unknown account the same way); not recorded for a deleted account")
PUBLIC_ACCESS_DISABLED = Error(403, "AccessDenied", "Public access is disabled. Please configure private endpoint.",
    source="TabularEditor/TabularEditor3#1557, Azure-Samples/azure-search-openai-demo#1157 (403 with this message; the code is not shown there)")
DATA_ACTION_MISSING = Error(401, "PermissionDenied", "The principal `{object_id}` lacks the required data action `{action}` to perform `{operation}` operation. For instructions on granting the necessary permissions, see https://aka.ms/FoundryPermissions.",
    source="microsoft/ai-agent-evals#43, davrous/AzureAgentToM365#3 (PermissionDenied, 401)")
KIND_INVALID = Error(400, "InvalidKind", "The kind '{value}' is not valid for {account_type}. Use one of: {kinds}.",
    source="ours: the kinds are the spec's; Azure's wording is not recorded")
KIND_REQUIRED = Error(400, "KindRequired", "The kind '{value}' is not valid for {account_type}. Use one of: {kinds}.",
    source="ours: the kinds are the spec's; Azure's wording is not recorded")
SKU_INVALID = Error(400, "InvalidSkuName", "The SKU '{name}' is not available for kind '{kind}'. Available SKUs: {skus}.",
    source="ours: the SKUs are the resource SKUs the sandbox serves; Azure's wording is not recorded")
SKU_REQUIRED = Error(400, "SkuRequired", "The SKU '{name}' is not available for kind '{kind}'. Available SKUs: {skus}.",
    source="ours: the SKUs are the resource SKUs the sandbox serves; Azure's wording is not recorded")
KEY_VAULT_PROPERTIES_INVALID = Error(400, "InvalidKeyVaultProperties", "KeyVaultProperties is invalid: {problems}. Property: properties.encryption.keyVaultProperties.",
    source="facts §C3 (the FS README's 'KeyVaultProperties is invalid' prefix); the problems listed are ours")
KEY_VAULT_CHANGE_NOT_ALLOWED = Error(400, "KeyVaultChangeNotAllowed", "Account '{name}' uses a key in key vault '{before}'; a customer-managed key can only be changed to another key in the same key vault, not to one in '{vault}'.",
    source="ours: the rule is facts §C2, the words are the sandbox's")
IDENTITY_TOO_NEW_FOR_KEY = Error(400, "KeyVaultAccessForbidden", "The system-assigned identity of account '{name}' is created by this request, so it cannot have been granted access to key vault '{vault}' yet. Create the account with its identity first, grant the identity 'Key Vault Crypto Service Encryption User' on the key, then set properties.encryption.",
    source="ours: the KeyVaultAccessForbidden code is the Compute analogue facts \u00a7C3 names; Azure's exact answer is not documented (facts \u00a7C2/\u00a7C3 mark it unconfirmed)")
LOCAL_AUTH_DISABLED = Error(400, "BadRequest", "Failed to {what} key. disableLocalAuth is set to be true",
    source="Azure/terraform-azurerm-avm-res-cognitiveservices-account#130 (list); the regenerate wording follows it, ours")
KEY_NAME_INVALID = Error(400, "InvalidRequestContent", "The keyName '{key_name}' is not valid; use Key1 or Key2.",
    source="ours: the key names are the spec's RegenerateKeyParameters enum; Azure's wording is not recorded")
