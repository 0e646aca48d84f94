"""Microsoft.Authorization's error answers, in one place: each one with its HTTP status, Azure's error code, the message
(a template of the fields the raiser passes) and where its wording was taken from. "facts §" is
shared/reference/azure-behavior-facts.md; "ours" marks words of the sandbox's own where Azure's are not
documented; UNCITED, a message whose source was not recorded beside it."""
from __future__ import annotations

from ...errors import UNCITED, Error

API_VERSION_INVALID = Error(400, "InvalidApiVersionParameter", "The api-version '{api_version}' is invalid. The supported versions are '{versions}'.",
    source=UNCITED)
SUBSCRIPTION_NOT_FOUND = Error(404, "SubscriptionNotFound", "The subscription '{parts}' could not be found.",
    source=UNCITED)
ROLE_DEFINITION_NOT_FOUND = Error(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '{role_id}' does not exist.",
    source=UNCITED)
DEFINITION_FILTER_UNSUPPORTED = Error(400, "UnsupportedQuery", "The filter '{filter_text}' is not supported. Supported filters are \"roleName eq '{{value}}'\" and \"type eq 'BuiltInRole|CustomRole'\".",
    source=UNCITED)
ASSIGNMENT_NOT_FOUND = Error(404, "RoleAssignmentNotFound", "The role assignment '{name}' is not found.",
    source=UNCITED)
PROPERTY_REQUIRED = Error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Required property '{key}' not found in JSON. Path 'properties'.'.",
    source=UNCITED)
ASSIGNMENT_NAME_NOT_GUID = Error(400, "InvalidRoleAssignmentId", "The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
    source=UNCITED)
PROPERTIES_REQUIRED = Error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'.",
    source=UNCITED)
PRINCIPAL_ID_INVALID = Error(400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.",
    source=UNCITED)
ASSIGNED_ROLE_DEFINITION_UNKNOWN = Error(400, "RoleDefinitionDoesNotExist", "The specified role definition with ID '{role_id}' does not exist.",
    source=UNCITED)
PRINCIPAL_NOT_FOUND = Error(400, "PrincipalNotFound", "Principal {principal_id} does not exist in the directory {tenant_id}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
    source=UNCITED)
PRINCIPAL_TYPE_INVALID = Error(400, "InvalidPrincipalType", "The principal type '{principal_type}' is not valid. Valid values are {values}.",
    source=UNCITED)
PRINCIPAL_TYPE_MISMATCH = Error(400, "UnmatchedPrincipalType", "The PrincipalId '{principal_id}' has type '{type}' , which is different from specified PrincipalType '{principal_type}'.",
    source=UNCITED)
SCOPE_NOT_FOUND = Error(404, "ResourceNotFound", "The Resource '{namespace}/{path}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    source=UNCITED)
ASSIGNMENT_EXISTS = Error(409, "RoleAssignmentExists", "The role assignment already exists. The ID of the existing role assignment is {name}.",
    source=UNCITED)
ASSIGNMENT_UPDATE_NOT_PERMITTED = Error(409, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
    source=UNCITED)
ASSIGNMENT_FILTER_UNSUPPORTED = Error(400, "UnsupportedQuery", "The filter '{filter_text}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{{value}}'' or 'assignedTo('{{value}}')'.",
    source=UNCITED)
