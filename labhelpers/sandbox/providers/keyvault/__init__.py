"""Microsoft.KeyVault: vaults on ARM (models, responses) and keys on the vault data plane (keys, rotation,
crypto, access, data_responses), with the data plane's audit log (audit); errors lists their error answers."""
from . import arm_keys, audit, data_responses, responses  # noqa: F401  (register routes and hooks)
