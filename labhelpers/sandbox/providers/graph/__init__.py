"""Microsoft Graph (graph.microsoft.com): the directory lookups Azure clients make."""
from . import responses  # noqa: F401  (registers routes)
