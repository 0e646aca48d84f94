"""Key Vault's errors, in one place: each code with its message and where it was taken from."""
from __future__ import annotations

from ...errors import AzureError


def bad_parameter(message: str) -> AzureError:
    """400 BadParameter: Key Vault's answer to a request it cannot take."""
    return AzureError(400, "BadParameter", message)
