"""ARM core (Microsoft.Resources): subscriptions, locations, providers, resource groups."""
from . import responses  # noqa: F401  (registers routes)
