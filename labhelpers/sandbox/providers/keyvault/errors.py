"""Key Vault's error answers, in one place: each one with its HTTP status, Azure's error code, the
message (a template of the fields the raiser passes) and where its wording was taken from. "facts §"
is shared/reference/azure-behavior-facts.md; "ours" marks words of the sandbox's own where Azure's are
not documented (docs/key-vault.md); UNCITED, a message whose source was not recorded beside it."""
from __future__ import annotations

from ...errors import UNCITED, Error

VAULT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{type}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source=UNCITED)
SOFT_DELETE_IRREVERSIBLE = Error(400, "BadRequest", "The property \"enableSoftDelete\" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.",
    source=UNCITED)
PURGE_PROTECTION_IRREVERSIBLE = Error(400, "BadRequest", "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.",
    source=UNCITED)
LOCATION_NOT_AVAILABLE = Error(400, "LocationNotAvailableForResourceType", "The provided location '{location}' is not available for resource type '{type}'. List of available regions for the resource type is '{values}'.",
    source=UNCITED)
VAULT_TAGS_INVALID = Error(400, "InvalidRequestContent", "The property \"tags\" must be an object of strings.",
    source=UNCITED)
VAULT_NAME_NOT_VALID = Error(400, "VaultNameNotValid", "The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742",
    source="facts §B1")
VAULT_PROPERTIES_REQUIRED = Error(400, "InvalidRequestContent", "The request content must have \"properties\" (tenantId and sku are required).",
    source=UNCITED)
VAULT_PROPERTIES_NOT_OBJECT = Error(400, "InvalidRequestContent", "\"properties\" must be an object.",
    source=UNCITED)
DELETED_VAULT_PURGE_PROTECTED = Error(400, "InvalidOperation", "Operation 'DeletedVaultPurge' is not allowed.",
    source="facts §B3 (the 2024 code; older tools printed MethodNotAllowed)")
DELETED_VAULT_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource 'Microsoft.KeyVault/locations/{location}/deletedVaults/{name}' under resource group '<null>' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source=UNCITED)
TENANT_MISMATCH = Error(400, "BadRequest", "The tenant ID '{tenant}' in the request is not the tenant of the subscription ('{tenant_id}'). A vault must use the tenant its subscription belongs to.",
    source=UNCITED)
SKU_INVALID = Error(400, "BadRequest", "The SKU '{sku}' is not valid. Use {{\"family\": \"A\", \"name\": \"standard\"}} or 'premium'.",
    source=UNCITED)
RETENTION_OUT_OF_RANGE = Error(400, "BadRequest", "The value '{days}' of the property \"softDeleteRetentionInDays\" is out of range. It must be an integer between 7 and 90.",
    source=UNCITED)
RETENTION_FIXED = Error(400, "BadRequest", "The property \"softDeleteRetentionInDays\" has been set already and it can't be modified.",
    source=UNCITED)
PROPERTY_NOT_BOOLEAN = Error(400, "BadRequest", "The property \"{key}\" must be a boolean.",
    source=UNCITED)
ACCESS_POLICIES_INVALID = Error(400, "BadRequest", "The property \"accessPolicies\" must be an array of 0 to 1024 access policy entries.",
    source=UNCITED)
NOTHING_TO_RECOVER = Error(404, "ResourceNotFound", "No deleted vault named '{name}' was found to recover (createMode: recover).",
    source=UNCITED)
VAULT_ALREADY_EXISTS = Error(409, "VaultAlreadyExists", "The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be explicitly purged before reusing the name. For more information on soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.",
    source="facts §B1 (the long variant, as checkNameAvailability and the portal print it)")
VAULT_LOCATION_FIXED = Error(400, "InvalidResourceLocation", "The resource '{name}' already exists in location '{location}' in resource group '{group}'. A resource with the same name cannot be created in location '{location2}'. Please select a new resource name.",
    source=UNCITED)
ACCESS_POLICIES_REQUIRED = Error(400, "BadRequest", "The parameter accessPolicies is not specified. Access policies are required for a vault that does not use the Azure RBAC permission model.",
    source=UNCITED)
ACCESS_POLICY_INCOMPLETE = Error(400, "BadRequest", "Each access policy needs tenantId, objectId and permissions.",
    source=UNCITED)
ACCESS_POLICIES_VALUE_INVALID = Error(400, "BadRequest", "An invalid value was provided for 'accessPolicies'.",
    source="Azure's answer to a permission that is not one of the spec's names (a stray space in ' list'): Azure/azure-libraries-for-net#361, Azure/azure-cli#17503")
ACCESS_POLICY_TENANT_MISMATCH = Error(400, "BadRequest", "All identities in the access policies must use the same tenant ID as the key vault's tenant ID.",
    source=UNCITED)
VAULT_DELETED_CONFLICT = Error(409, "ConflictError", "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
    source="facts §B2")
RECOVER_IN_ITS_GROUP = Error(409, "ConflictError", "The deleted vault '{name}' belongs to resource group '{resource_group}' of subscription '{subscription_id}'; recover it there.",
    source=UNCITED)
KEY_NOT_FOUND = Error(404, "KeyNotFound", "A key with (name/id) {ident} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
    source="facts §B5")
DELETED_KEY_NOT_FOUND = Error(404, "KeyNotFound", "Deleted Key not found: {name}",
    source=UNCITED)
KEY_DELETED_BUT_RECOVERABLE = Error(409, "Conflict", "Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.",
    source="The secret message of facts §B2, for keys (Azure/azure-rest-api-specs#9222).", inner="ObjectIsDeletedButRecoverable")
KEY_NAME_INVALID = Error(400, "BadParameter", "The request URI contains an invalid name: {name}. Key names are 1-127 characters: letters, digits and hyphens.",
    source=UNCITED)
ATTRIBUTES_NOT_OBJECT = Error(400, "BadParameter", "Property 'attributes' must be an object.",
    source=UNCITED)
KEY_TAGS_INVALID = Error(400, "BadParameter", "Property 'tags' must be an object of strings.",
    source=UNCITED)
TOO_MANY_TAGS = Error(400, "BadParameter", "A key can have at most {max_tags} tags.",
    source=UNCITED)
KEY_OPS_NOT_ARRAY = Error(400, "BadParameter", "Property 'key_ops' must be an array of operation names.",
    source=UNCITED)
KEY_OP_INVALID = Error(400, "BadParameter", "Invalid key operation '{unknown}'. Valid operations are: {values}.",
    source=UNCITED)
KTY_NOT_SUPPORTED = Error(400, "BadParameter", "The key type (kty) '{kty}' is not supported by a vault; use RSA, RSA-HSM, EC or EC-HSM.",
    source=UNCITED)
HSM_ON_STANDARD_VAULT = Error(403, "Forbidden", "Hardware key operation not allowed on standard vault",
    source="azure-docs#34948 / #63888: az keyvault key create --kty RSA-HSM on a standard vault")
CURVE_NOT_SUPPORTED = Error(400, "BadParameter", "The curve '{crv}' is not supported; use {values}.",
    source=UNCITED)
ENABLED_NOT_BOOLEAN = Error(400, "BadParameter", "Property 'attributes.enabled' must be a boolean.",
    source=UNCITED)
KEY_SIZE_NOT_SUPPORTED = Error(400, "BadParameter", "The key size {size} is not supported for RSA keys; use 2048, 3072 or 4096.",
    source=UNCITED)
PUBLIC_EXPONENT_NOT_SUPPORTED = Error(400, "BadParameter", "The public exponent must be 65537.",
    source=UNCITED)
KEY_PURGE_PROTECTED = Error(403, "Forbidden", "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.",
    source="facts §B3")
PROPERTY_INVALID = Error(400, "BadParameter", "Property {name} has invalid value\r\n",
    source="Key Vault's answer to a property its JSON reader cannot convert to the spec's type (polymind-inc/acmebot#796; an azure-sdk-for-java report quotes it with the name left empty: 'Property  has invalid value'); ours: naming the property, and using it for NumericDates outside years 1-9999 (.NET's DateTime)")
DATE_NOT_NUMERIC = Error(400, "BadParameter", "Property 'attributes.{field}' must be a NumericDate (seconds since 1970-01-01).",
    source=UNCITED)
RSA_ALGORITHM_INVALID = Error(400, "BadParameter", "Invalid algorithm '{alg}' for an RSA key; use RSA-OAEP, RSA-OAEP-256 or RSA1_5.",
    source=UNCITED)
SIGNATURE_ALGORITHM_INVALID = Error(400, "BadParameter", "Invalid signature algorithm '{alg}'; use RS256/384/512, PS256/384/512 or ES256/384/512/256K.",
    source=UNCITED)
KEY_OPERATION_FORBIDDEN = Error(403, "Forbidden", "Operation {op} is not permitted on this key.",
    source=UNCITED, inner="KeyOperationForbidden")
KEY_DISABLED = Error(403, "Forbidden", "Operation {op} is not allowed on a disabled key.",
    source=UNCITED, inner="KeyDisabled")
ALGORITHM_NEEDS_RSA = Error(400, "BadParameter", "The algorithm '{alg}' needs an RSA key; this key is {kty}.",
    source=UNCITED)
DIGEST_SIZE_WRONG = Error(400, "BadParameter", "The digest must be {digest_size} bytes for {alg}.",
    source=UNCITED)
KEY_NOT_YET_VALID = Error(403, "Forbidden", "Operation {op} is not allowed on a key that is not yet valid.",
    source=UNCITED, inner="KeyNotYetValid")
KEY_EXPIRED = Error(403, "Forbidden", "Operation {op} is not allowed on an expired key.",
    source=UNCITED, inner="KeyExpired")
PLAINTEXT_TOO_LONG = Error(400, "BadParameter", "The value is too long to be encrypted with {alg} and a {key_size}-bit key.",
    source=UNCITED)
CIPHERTEXT_UNDECRYPTABLE = Error(400, "BadParameter", "The ciphertext could not be decrypted with this key and {alg}: it was not encrypted with this key version, or with another algorithm.",
    source=UNCITED)
ALGORITHM_NEEDS_EC = Error(400, "BadParameter", "The algorithm '{alg}' needs an EC key on curve {crv}; this key is {key}.",
    source=UNCITED)
POLICY_NOT_OBJECTS = Error(400, "BadParameter", "'lifetimeActions' must be an array and 'attributes' an object.",
    source=UNCITED)
DURATION_INVALID = Error(400, "BadParameter", "The value '{duration}' of '{field}' is not an ISO-8601 duration such as P90D, P3M or P1Y.",
    source=UNCITED)
DURATION_TOO_LONG = Error(400, "BadParameter", "The value '{duration}' of '{field}' is too long: a rotation policy's durations can be at most {longest} in the sandbox.",
    source="ours: Azure documents no upper bound; the sandbox's clock ends in 9900 (clock.LAST_DAY), so 99 years keep every date it computes within year 9999 (docs/key-vault.md)")
POLICY_EXPIRY_TOO_SHORT = Error(400, "BadParameter", "The expiryTime '{expiry}' is too short: a rotation policy's expiry time must be at least 28 days (P28D).",
    source=UNCITED)
LIFETIME_ACTION_INVALID = Error(400, "BadParameter", "The lifetime action type '{kind}' is not valid; use 'Rotate' or 'Notify'.",
    source=UNCITED)
LIFETIME_ACTION_TWICE = Error(400, "BadParameter", "A rotation policy can have only one '{kind}' lifetime action.",
    source=UNCITED)
TRIGGER_NOT_ONE = Error(400, "BadParameter", "Each lifetime action needs exactly one trigger: 'timeAfterCreate' or 'timeBeforeExpiry'.",
    source=UNCITED)
TIME_AFTER_CREATE_NOT_FOR_NOTIFY = Error(400, "BadParameter", "The 'timeAfterCreate' trigger applies to the 'Rotate' action only; use 'timeBeforeExpiry' for 'Notify'.",
    source=UNCITED)
ROTATION_TOO_SOON = Error(400, "BadParameter", "The rotation time '{after}' is too short: a key can be rotated at the earliest 7 days after it was created.",
    source=UNCITED)
ROTATION_TOO_CLOSE_TO_EXPIRY = Error(400, "BadParameter", "The rotation time '{after}' after creation must be at least 7 days before the expiry time '{expiry}'.",
    source=UNCITED)
TIME_BEFORE_EXPIRY_NEEDS_EXPIRY = Error(400, "BadParameter", "The 'timeBeforeExpiry' trigger needs an expiry time: set 'attributes.expiryTime'.",
    source=UNCITED)
TIME_BEFORE_EXPIRY_OUT_OF_RANGE = Error(400, "BadParameter", "The time before expiry '{before}' must be at least 7 days and at most the expiry time '{expiry}' minus 7 days.",
    source=UNCITED)
ACCESS_POLICY_DENIES = Error(403, "Forbidden", "The user, group or application '{caller}' does not have keys {permission} permission on key vault '{where}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
    source=UNCITED, inner="AccessDenied")
RBAC_DENIES = Error(403, "Forbidden", "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: '{action}'\r\nResource: '{scope}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {where}\r\n",
    source="facts §B5, verbatim shape", inner="ForbiddenByRbac")
NO_ACCESS_POLICY = Error(403, "Forbidden", "Access denied. Caller was not found on any access policy.\r\nCaller: {caller}\r\nVault: {where}",
    source=UNCITED, inner="AccessDenied")
API_VERSION_UNKNOWN = Error(400, "BadParameter", "The specified version ({api_version}) is not recognized. Consider using the latest supported version ({latest}).",
    source="Key Vault's words, as the Ruby SDK's api-version fallback quotes them (azure-sdk-for-ruby).")
API_VERSION_MISSING = Error(400, "BadParameter", "The api-version query parameter is missing. Add ?api-version={latest} to the request URI.",
    source=UNCITED)
VAULT_GONE = Error(404, "VaultNotFound", "The vault '{host_label}' does not exist or was deleted.",
    source=UNCITED)
MAXRESULTS_OUT_OF_RANGE = Error(400, "BadParameter", "The value '{raw_max}' of maxresults is out of range: it must be between 1 and {max_page}.",
    source=UNCITED)
SKIPTOKEN_INVALID = Error(400, "BadParameter", "The $skiptoken '{raw_skip}' is not valid.",
    source=UNCITED)
VALUE_REQUIRED = Error(400, "BadParameter", "Property '{field}' is required and must be a base64url string.",
    source=UNCITED)
BAD_PARAMETER_BODY = Error(400, "BadParameter", "{message}",
    source="ours: Key Vault's code for a body it cannot read; the words are the JSON parser's (http.py)")
VALUE_NOT_BASE64URL = Error(400, "BadParameter", "Property '{field}' is not a valid base64url string.",
    source=UNCITED)
NAME_CHECK_TYPE_INVALID = Error(400, "InvalidParameter", "The resource type '{type}' is not valid; use '{type2}'.",
    source=UNCITED)
ARM_KEY_PROPERTIES_REQUIRED = Error(400, "BadRequest", "The request must have 'properties' (the key to create).",
    source=UNCITED)
ACCESS_POLICY_UPDATE_KIND_INVALID = Error(400, "BadRequest", "The access policy update kind '{operation_kind}' is not valid; use add, replace or remove.",
    source=UNCITED)
ACCESS_POLICY_UPDATE_INVALID = Error(400, "BadRequest", "properties.accessPolicies must be a list of entries with an objectId.",
    source=UNCITED)
ARM_KEY_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{key_type}/{path}' under resource group '{resource_group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source=UNCITED)
