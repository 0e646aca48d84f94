"""Microsoft.CognitiveServices: AI Foundry accounts and projects with customer-managed keys. State and shared
rules in models, accounts (PUT/PATCH rules, lifecycle), projects, cmk (the key checks), responses (ARM wire
format and routes), data_responses (the resource's own endpoint), skus (the resource SKUs a region offers), usages
(the account quota of a region)."""
from . import data_responses, responses, skus, usages  # noqa: F401  (registers routes)
