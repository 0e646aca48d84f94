"""Key Vault's error catalogue, both planes: one `sandbox.errors.Error` a refusal (the sandbox's own
words: docs/key-vault.md)."""
from __future__ import annotations

from ...errors import Error

VAULT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{type}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's ResourceNotFound wording (microsoft/foundry-dev-tools#512)")
SOFT_DELETE_IRREVERSIBLE = Error(400, "BadRequest", "The property \"enableSoftDelete\" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.",
    source="ours: the words of its purge-protection twin (facts §B3), for soft delete (ansible-collections/azure#258 reports the refusal)")
PURGE_PROTECTION_IRREVERSIBLE = Error(400, "BadRequest", "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.",
    source="facts §B3 (Azure/azure-rest-api-specs#18106, Azure/azure-cli#29115)")
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceType", "The provided location '{location}' is not available for resource type '{type}'. List of available regions for the resource type is '{values}'.",
    source="ARM's wording; Microsoft Learn quotes it for 'Microsoft.KeyVault/vaults' (localized copies of an azure-docs page)")
VAULT_TAGS_INVALID = Error(400, "InvalidRequestContent", "The property \"tags\" must be an object of strings.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
VAULT_NAME_NOT_VALID = Error(400, "VaultNameNotValid", "The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742",
    source="facts §B1")
VAULT_PROPERTIES_REQUIRED = Error(400, "InvalidRequestContent", "The request content must have \"properties\" (tenantId and sku are required).",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
VAULT_PROPERTIES_NOT_OBJECT = Error(400, "InvalidRequestContent", "\"properties\" must be an object.",
    source="ours: ARM's InvalidRequestContent code; the words are the sandbox's")
DELETED_VAULT_PURGE_PROTECTED = Error(400, "InvalidOperation", "Operation 'DeletedVaultPurge' is not allowed.",
    source="facts §B3 (the 2024 code; older tools printed MethodNotAllowed)")
DELETED_VAULT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource 'Microsoft.KeyVault/locations/{location}/deletedVaults/{name}' under resource group '<null>' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ours: ARM's ResourceNotFound wording (microsoft/foundry-dev-tools#512) for the deleted vault's path")
TENANT_MISMATCH = Error(400, "BadRequest", "The tenant ID '{tenant}' in the request is not the tenant of the subscription ('{tenant_id}'). A vault must use the tenant its subscription belongs to.",
    source="ours: the rule is the vault's tenant is its subscription's (facts §C1); Azure's wording is not recorded")
SKU_INVALID = Error(400, "BadRequest", "The SKU '{sku}' is not valid. Use {{\"family\": \"A\", \"name\": \"standard\"}} or 'premium'.",
    source="ours: the rule is the spec's Sku (family A, standard or premium); Azure's wording is not recorded")
RETENTION_OUT_OF_RANGE = Error(400, "BadRequest", "The value '{days}' of the property \"softDeleteRetentionInDays\" is out of range. It must be an integer between 7 and 90.",
    source="ours: the rule is facts §B2 (7 to 90 days); Azure's wording is not recorded")
RETENTION_FIXED = Error(400, "BadRequest", "The property \"softDeleteRetentionInDays\" has been set already and it can't be modified.",
    source="ours: the rule is facts §B2 (soft-delete-overview.md: it cannot be changed once set); Azure's wording is not recorded")
PROPERTY_NOT_BOOLEAN = Error(400, "BadRequest", "The property \"{key}\" must be a boolean.",
    source="ours: BadRequest, Key Vault's ARM code; the words are the sandbox's")
NOTHING_TO_RECOVER = Error(404, "ResourceNotFound", "No deleted vault named '{name}' was found to recover (createMode: recover).",
    source="ours: the rule is facts §B2 (createMode recover); Azure's wording is not recorded")
VAULT_ALREADY_EXISTS = Error(409, "VaultAlreadyExists", "The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be explicitly purged before reusing the name. For more information on soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.",
    source="facts §B1 (the long variant, as checkNameAvailability and the portal print it)")
VAULT_LOCATION_FIXED = Error(400, "InvalidResourceLocation", "The resource '{name}' already exists in location '{location}' in resource group '{group}'. A resource with the same name cannot be created in location '{location2}'. Please select a new resource name.",
    source="MicrosoftDocs/azure-docs#70422, fortinetsolutions/Azure-Templates#8 (ARM's answer for any resource type)")
ACCESS_POLICIES_REQUIRED = Error(400, "BadRequest", "The parameter accessPolicies is not specified.",
    source="Azure/azure-sdk-for-net#28677 (a vault created without accessPolicies)")
ACCESS_POLICY_INCOMPLETE = Error(400, "BadRequest", "Each access policy needs tenantId, objectId and permissions.",
    source="ours: the rule is the spec's AccessPolicyEntry (tenantId, objectId, permissions required); Azure's wording is not recorded")
ACCESS_POLICIES_VALUE_INVALID = Error(400, "BadRequest", "An invalid value was provided for 'accessPolicies'.",
    source="Azure's answer to a permission that is not one of the spec's names (a stray space in ' list'): Azure/azure-libraries-for-net#361, Azure/azure-cli#17503; the sandbox gives it too for a list that is not one or has over 1024 entries")
ACCESS_POLICY_TENANT_MISMATCH = Error(400, "BadRequest", "All identities in the access policies must use the same tenant ID as the key vault's tenant ID.",
    source="ours: the rule is the spec's AccessPolicyEntry tenantId; Azure's wording is not recorded")
VAULT_DELETED_CONFLICT = Error(409, "ConflictError", "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
    source="facts §B2")
RECOVER_IN_ITS_GROUP = Error(409, "ConflictError", "The deleted vault '{name}' belongs to resource group '{resource_group}' of subscription '{subscription_id}'; recover it there.",
    source="ours: ConflictError, Key Vault's code (facts §B9); the words are the sandbox's")
KEY_NOT_FOUND = Error(404, "KeyNotFound", "A key with (name/id) {ident} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
    source="facts §B5")
DELETED_KEY_NOT_FOUND = Error(404, "KeyNotFound", "Deleted Key not found: {name}",
    source="ours: KeyNotFound, Key Vault's code (facts §B5); the words are the sandbox's")
KEY_DELETED_BUT_RECOVERABLE = Error(409, "Conflict", "Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.",
    source="The secret message of facts §B2, for keys (Azure/azure-rest-api-specs#9222).", inner="ObjectIsDeletedButRecoverable")
KEY_NAME_INVALID = Error(400, "BadParameter", "The request URI contains an invalid name: {name}",
    source="az-acme/az-acme-cli#14, aspnet/MicrosoftConfigurationBuilders#22 (the same answer for certificate and secret names)")
ATTRIBUTES_NOT_OBJECT = Error(400, "BadParameter", "Property 'attributes' must be an object.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
KEY_TAGS_INVALID = Error(400, "BadParameter", "Property 'tags' must be an object of strings.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
TOO_MANY_TAGS = Error(400, "BadParameter", "A key can have at most {max_tags} tags.",
    source="ours: the limit of 15 is facts §B6 (about-keys.md); the words are the sandbox's")
KEY_OPS_NOT_ARRAY = Error(400, "BadParameter", "Property 'key_ops' must be an array of operation names.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
KEY_OP_INVALID = Error(400, "BadParameter", "Invalid key operation '{unknown}'. Valid operations are: {values}.",
    source="ours: the operations are facts §B6's; the words are the sandbox's")
KTY_NOT_SUPPORTED = Error(400, "BadParameter", "The key type (kty) '{kty}' is not supported by a vault; use RSA, RSA-HSM, EC or EC-HSM.",
    source="ours: the types are facts §B6's; the words are the sandbox's")
HSM_ON_STANDARD_VAULT = Error(403, "Forbidden", "Hardware key operation not allowed on standard vault",
    source="azure-docs#34948 / #63888: az keyvault key create --kty RSA-HSM on a standard vault")
CURVE_NOT_SUPPORTED = Error(400, "BadParameter", "The curve '{crv}' is not supported; use {values}.",
    source="ours: the curves are the spec's JsonWebKeyCurveName; the words are the sandbox's")
ENABLED_NOT_BOOLEAN = Error(400, "BadParameter", "Property 'attributes.enabled' must be a boolean.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
KEY_SIZE_NOT_SUPPORTED = Error(400, "BadParameter", "Unsupported key size ({size}). Supported sizes are [2048, 3072, 4096]",
    source="the form Key Vault answers for an EC size (MicrosoftDocs/azure-docs#88477; 'Unsupported key size', Azure/azure-cli#2613); the RSA sizes listed are facts §B6's")
PUBLIC_EXPONENT_NOT_SUPPORTED = Error(400, "BadParameter", "The public exponent must be 65537.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
KEY_PURGE_PROTECTED = Error(403, "Forbidden", "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.",
    source="facts §B3")
PROPERTY_INVALID = Error(400, "BadParameter", "Property {name} has invalid value\r\n",
    source="Key Vault's answer to a property its JSON reader cannot convert to the spec's type (polymind-inc/acmebot#796; an azure-sdk-for-java report quotes it with the name left empty: 'Property  has invalid value'); ours: naming the property, and using it for NumericDates outside years 1-9999 (.NET's DateTime)")
DATE_NOT_NUMERIC = Error(400, "BadParameter", "Property 'attributes.{field}' must be a NumericDate (seconds since 1970-01-01).",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
RSA_ALGORITHM_INVALID = Error(400, "BadParameter", "Invalid algorithm '{alg}' for an RSA key; use RSA-OAEP, RSA-OAEP-256 or RSA1_5.",
    source="ours: the algorithms are facts §B6's; the words are the sandbox's")
SIGNATURE_ALGORITHM_INVALID = Error(400, "BadParameter", "Invalid signature algorithm '{alg}'; use RS256/384/512, PS256/384/512 or ES256/384/512/256K.",
    source="ours: the algorithms are the spec's JsonWebKeySignatureAlgorithm; the words are the sandbox's")
KEY_OPERATION_FORBIDDEN = Error(403, "Forbidden", "Operation {op} is not permitted on this key.",
    source="Azure/azure-sdk-for-net#11518 (decrypt with a key whose key_ops lack it; innererror KeyOperationForbidden)", inner="KeyOperationForbidden")
KEY_DISABLED = Error(403, "Forbidden", "Operation {op} is not allowed on a disabled key.",
    source="facts §B7 (azure-sdk-for-python#45342)", inner="KeyDisabled")
ALGORITHM_NEEDS_RSA = Error(400, "BadParameter", "The algorithm '{alg}' needs an RSA key; this key is {kty}.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
DIGEST_SIZE_WRONG = Error(400, "BadParameter", "The digest must be {digest_size} bytes for {alg}.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
KEY_NOT_YET_VALID = Error(403, "Forbidden", "Operation {op} is not allowed on a key that is not yet valid.",
    source="ours: facts §B7 marks the answer for a key outside its nbf/exp window unconfirmed; the words follow KeyDisabled's", inner="KeyNotYetValid")
KEY_EXPIRED = Error(403, "Forbidden", "Operation {op} is not allowed on an expired key.",
    source="ours: facts §B7 marks the answer for a key outside its nbf/exp window unconfirmed; the words follow KeyDisabled's", inner="KeyExpired")
PLAINTEXT_TOO_LONG = Error(400, "BadParameter", "The value is too long to be encrypted with {alg} and a {key_size}-bit key.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
CIPHERTEXT_UNDECRYPTABLE = Error(400, "BadParameter", "The ciphertext could not be decrypted with this key and {alg}: it was not encrypted with this key version, or with another algorithm.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
ALGORITHM_NEEDS_EC = Error(400, "BadParameter", "The algorithm '{alg}' needs an EC key on curve {crv}; this key is {key}.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
POLICY_NOT_OBJECTS = Error(400, "BadParameter", "'lifetimeActions' must be an array and 'attributes' an object.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
DURATION_INVALID = Error(400, "BadParameter", "The value '{duration}' of '{field}' is not an ISO-8601 duration such as P90D, P3M or P1Y.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
DURATION_TOO_LONG = Error(400, "BadParameter", "The value '{duration}' of '{field}' is too long: a rotation policy's durations can be at most {longest} in the sandbox.",
    source="ours: Azure documents no upper bound; the sandbox's clock ends in 9900 (clock.LAST_DAY), so 99 years keep every date it computes within year 9999 (docs/key-vault.md)")
POLICY_EXPIRY_TOO_SHORT = Error(400, "BadParameter", "The expiryTime '{expiry}' is too short: a rotation policy's expiry time must be at least 28 days (P28D).",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
LIFETIME_ACTION_INVALID = Error(400, "BadParameter", "The lifetime action type '{kind}' is not valid; use 'Rotate' or 'Notify'.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
LIFETIME_ACTION_TWICE = Error(400, "BadParameter", "A rotation policy can have only one '{kind}' lifetime action.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
TRIGGER_NOT_ONE = Error(400, "BadParameter", "Each lifetime action needs exactly one trigger: 'timeAfterCreate' or 'timeBeforeExpiry'.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
TIME_AFTER_CREATE_NOT_FOR_NOTIFY = Error(400, "BadParameter", "The 'timeAfterCreate' trigger applies to the 'Rotate' action only; use 'timeBeforeExpiry' for 'Notify'.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
ROTATION_TOO_SOON = Error(400, "BadParameter", "The rotation time '{after}' is too short: a key can be rotated at the earliest 7 days after it was created.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
ROTATION_TOO_CLOSE_TO_EXPIRY = Error(400, "BadParameter", "The rotation time '{after}' after creation must be at least 7 days before the expiry time '{expiry}'.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
TIME_BEFORE_EXPIRY_NEEDS_EXPIRY = Error(400, "BadParameter", "The 'timeBeforeExpiry' trigger needs an expiry time: set 'attributes.expiryTime'.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
TIME_BEFORE_EXPIRY_OUT_OF_RANGE = Error(400, "BadParameter", "The time before expiry '{before}' must be at least 7 days and at most the expiry time '{expiry}' minus 7 days.",
    source="ours: the rule is facts §B8 (how-to-configure-key-rotation.md, lowkey-vault#181); its wording is unconfirmed there")
ACCESS_POLICY_DENIES = Error(403, "Forbidden", "The user, group or application '{caller}' does not have keys {permission} permission on key vault '{where}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
    source="facts §B5 (the innererror AccessDenied is unconfirmed there)", inner="AccessDenied")
RBAC_DENIES = Error(403, "Forbidden", "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: '{action}'\r\nResource: '{scope}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {where}\r\n",
    source="facts §B5, verbatim shape", inner="ForbiddenByRbac")
FORBIDDEN_BY_FIREWALL = Error(403, "Forbidden", "Client address is not authorized and caller is not a trusted service.\r\nClient address: {client_ip}\r\nCaller: {caller}\r\nVault: {where}",
    source="key-vault/general/common-error-codes.md (ForbiddenByFirewall); the body as MicrosoftDocs/azure-docs#52649 and App Service logs record it: code Forbidden, inner ForbiddenByFirewall", inner="ForbiddenByFirewall")
NO_ACCESS_POLICY = Error(403, "Forbidden", "Access denied. Caller was not found on any access policy.\r\nCaller: {caller}\r\nVault: {where}",
    source="facts §B5 (Azure/azure-sdk-for-java#8229); the innererror is unconfirmed", inner="AccessDenied")
API_VERSION_UNKNOWN = Error(400, "BadParameter", "The specified version ({api_version}) is not recognized. Consider using the latest supported version ({latest}).",
    source="Key Vault's words, as the Ruby SDK's api-version fallback quotes them (azure-sdk-for-ruby).")
API_VERSION_MISSING = Error(400, "BadParameter", "The api-version query parameter is missing. Add ?api-version={latest} to the request URI.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
VAULT_GONE = Error(404, "VaultNotFound", "The vault '{host_label}' does not exist or was deleted.",
    source="ours: a deleted vault's name no longer resolves in Azure's DNS; the sandbox answers a client that kept its connection")
MAXRESULTS_OUT_OF_RANGE = Error(400, "BadParameter", "The value '{raw_max}' of maxresults is out of range: it must be between 1 and {max_page}.",
    source="ours: the range 1 to 25 is the spec's maxresults; the words are the sandbox's")
SKIPTOKEN_INVALID = Error(400, "BadParameter", "The $skiptoken '{raw_skip}' is not valid.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
VALUE_REQUIRED = Error(400, "BadParameter", "Property '{field}' is required and must be a base64url string.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
BAD_PARAMETER_BODY = Error(400, "BadParameter", "{message}",
    source="ours: Key Vault's code for a body it cannot read; the words are the JSON parser's (http.py)")
VALUE_NOT_BASE64URL = Error(400, "BadParameter", "Property '{field}' is not a valid base64url string.",
    source="ours: Key Vault's code (facts §B9, the data plane's BadParameter); the words are the sandbox's")
NAME_CHECK_TYPE_INVALID = Error(400, "InvalidParameter", "The resource type '{type}' is not valid; use '{type2}'.",
    source="ours: the rule is the spec's VaultCheckNameAvailabilityParameters type; Azure's wording is not recorded")
ARM_KEY_PROPERTIES_REQUIRED = Error(400, "BadRequest", "The request must have 'properties' (the key to create).",
    source="ours: BadRequest, Key Vault's ARM code; the words are the sandbox's")
ACCESS_POLICY_UPDATE_KIND_INVALID = Error(400, "BadRequest", "The access policy update kind '{operation_kind}' is not valid; use add, replace or remove.",
    source="ours: the rule is the spec's AccessPolicyUpdateKind; Azure's wording is not recorded")
ACCESS_POLICY_UPDATE_INVALID = Error(400, "BadRequest", "properties.accessPolicies must be a list of entries with an objectId.",
    source="ours: BadRequest, Key Vault's ARM code; the words are the sandbox's")
ARM_KEY_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{key_type}/{path}' under resource group '{resource_group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's ResourceNotFound wording (microsoft/foundry-dev-tools#512), for the nested key")
