"""base64url without padding (RFC 7515 §2), as JWTs, JWKs and Key Vault's request and response values use it."""
from __future__ import annotations

import base64


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    """The bytes of a base64url string, padded or not; ValueError when it is not one."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def uint(n: int) -> bytes:
    """A non-negative integer as the big-endian bytes of a JWK member (n, e)."""
    return n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
