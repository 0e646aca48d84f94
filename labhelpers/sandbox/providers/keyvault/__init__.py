"""Microsoft.KeyVault: vaults on ARM (responses) and keys on the vault data plane (data_responses),
with the audit log of the data plane (audit)."""
from . import responses, arm_keys, data_responses  # noqa: F401  (register routes and hooks)
