"""Microsoft.ManagedIdentity: user-assigned identities (an ARM resource whose service principal lives in
the sandbox's directory, so the managed-identity endpoint issues tokens for it by client_id)."""
from . import responses  # noqa: F401  (registers routes and hooks)
