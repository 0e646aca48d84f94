"""Microsoft.Authorization's error catalogue: one `sandbox.errors.Error` a refusal."""
from __future__ import annotations

from ...errors import Error

API_VERSION_INVALID = Error(400, "InvalidApiVersionParameter", "The api-version '{api_version}' is invalid. The supported versions are '{versions}'.",
    source="Azure/azure-sdk-for-python#975, hashicorp/vault-plugin-secrets-azure#13 (a role assignment PUT)")
SUBSCRIPTION_NOT_FOUND = Error(404, "SubscriptionNotFound", "The subscription '{parts}' could not be found.",
    source="Azure/azure-cli#33657, Azure/azure-cli#30164")
ROLE_DEFINITION_NOT_FOUND = Error(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '{role_id}' does not exist.",
    source="Azure/azure-cli#21961 (az role assignment create); the 404 of a GET is ours")
DEFINITION_FILTER_UNSUPPORTED = Error(400, "UnsupportedQuery", "The filter '{filter_text}' is not supported. Supported filters are \"roleName eq '{{value}}'\" and \"type eq 'BuiltInRole|CustomRole'\".",
    source="ours: the wording follows the role-assignment filter answer (Azure/azure-rest-api-specs#28255); the filters named are those of the REST spec's roleDefinitions list")
ASSIGNMENT_NOT_FOUND = Error(404, "RoleAssignmentNotFound", "The role assignment '{name}' is not found.",
    source="ours: the code is Azure's; ARM's wording for a missing assignment is not recorded publicly")
PROPERTY_REQUIRED = Error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Required property '{key}' not found in JSON. Path 'properties'.'.",
    source="Azure/azure-powershell#9339 (\"Required property 'principalId' not found in JSON\"), in ARM's InvalidRequestContent prefix")
ASSIGNMENT_NAME_NOT_GUID = Error(400, "InvalidRoleAssignmentId", "The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
    source="Azure/azure-rest-api-specs#1684, Azure/azure-service-operator#2586")
PROPERTIES_REQUIRED = Error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'.",
    source="as PROPERTY_REQUIRED (Azure/azure-powershell#9339), for the 'properties' object")
PRINCIPAL_ID_INVALID = Error(400, "InvalidPrincipalId", "The Principal ID '{principal_id}' is not valid. Principal ID must be a GUID.",
    source="Azure/azure-powershell#16627, hashicorp-education/learn-nomad-cluster-setup#48")
ASSIGNED_ROLE_DEFINITION_UNKNOWN = Error(400, "RoleDefinitionDoesNotExist", "The specified role definition with ID '{role_id}' does not exist.",
    source="Azure/azure-cli#21961 (az role assignment create with an unknown role)")
PRINCIPAL_NOT_FOUND = Error(400, "PrincipalNotFound", "Principal {principal_id} does not exist in the directory {tenant_id}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
    source="facts §D2 (role-based-access-control/troubleshooting.md); Azure/HubAndSpokeResearchEnclave#50")
PRINCIPAL_TYPE_INVALID = Error(400, "InvalidPrincipalType", "The principal type '{principal_type}' is not valid. Valid values are {values}.",
    source="ours: Azure's answer for an unknown principalType is not recorded; the values are the REST spec's PrincipalType enum")
PRINCIPAL_TYPE_MISMATCH = Error(400, "UnmatchedPrincipalType", "The PrincipalId '{principal_id}' has type '{type}' , which is different from specified PrincipalType '{principal_type}'.",
    source="Azure/modern-web-app-pattern-dotnet#129 (the ' , ' is Azure's; that answer also misspelt 'PrinciaplType', which later ones quoted in docs spell right)")
SCOPE_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{namespace}/{path}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source="ARM's ResourceNotFound wording (microsoft/foundry-dev-tools#512)")
ASSIGNMENT_EXISTS = Error(409, "RoleAssignmentExists", "The role assignment already exists. The ID of the existing role assignment is {name}.",
    source="facts §D2 (the newer text with the existing assignment's ID)")
ASSIGNMENT_UPDATE_NOT_PERMITTED = Error(409, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
    source="facts §D2 (role-based-access-control/troubleshooting.md)")
ASSIGNMENT_FILTER_UNSUPPORTED = Error(400, "UnsupportedQuery", "The filter '{filter_text}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{{value}}' or assignedTo('{{value}}')'.",
    source="Azure/azure-rest-api-specs#28255 (2024), Azure/azure-xplat-cli#1692")
