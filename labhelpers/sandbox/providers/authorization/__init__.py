"""Microsoft.Authorization: role definitions and role assignments."""
from . import responses  # noqa: F401  (registers routes)
