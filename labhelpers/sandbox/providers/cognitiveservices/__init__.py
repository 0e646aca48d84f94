"""Microsoft.CognitiveServices: AI Foundry accounts and projects with customer-managed keys."""
from . import data_responses, responses  # noqa: F401  (registers routes)
