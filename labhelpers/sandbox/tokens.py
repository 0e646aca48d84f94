"""Signed access tokens (RS256 JWTs) as Entra ID issues them: the signing key is made once per
state dir; every request's token is verified for signature, audience and expiry."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .encoding import b64url, uint
from .files import write_private

MAX_EPOCH = 253402300800       # 10000-01-01T00:00:00Z: the first instant a .NET DateTime cannot hold
TOKEN_LIFETIME = 24 * 3600     # ≥ 1 h so clients cache it (wire contract §2); wall clock, not sandbox clock


class TokenError(Exception):
    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind       # missing | invalid | expired | audience | tenant
        self.detail = detail


class TokenService:
    def __init__(self, state_dir: Path, tenant_id: str):
        self.tenant_id = tenant_id
        self.issuer = f"https://sts.windows.net/{tenant_id}/"
        self._key = _load_or_create_key(state_dir / "token-signing.key")
        self._public = self._key.public_key()
        der = self._public.public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
        self._verified: dict[str, dict] = {}      # token → claims, signature already checked
        self.kid = b64url(hashlib.sha1(der).digest())

    def issue(self, principal, audience: str, lifetime: int = TOKEN_LIFETIME) -> tuple[str, int]:
        now = int(time.time())
        exp = now + lifetime
        claims = {"aud": audience, "iss": self.issuer, "iat": now, "nbf": now, "exp": exp,
                  "oid": principal.object_id, "sub": principal.object_id, "tid": self.tenant_id,
                  "appid": principal.app_id, "appidacr": "0" if principal.is_user else "2",
                  "idtyp": "user" if principal.is_user else "app", "ver": "1.0"}
        if principal.is_user:
            claims.update(upn=principal.upn, unique_name=principal.upn, name=principal.display_name,
                          scp="user_impersonation", amr=["pwd"])
        else:
            claims["xms_mirid"] = principal.mi_resource_id
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "x5t": self.kid})
        return token, exp

    def verify(self, token: str, audiences: tuple[str, ...]) -> dict:
        claims = self._verified.get(token)
        if claims is None or claims["exp"] <= time.time():
            claims = self._decode(token)
            if len(self._verified) >= 1024:        # clients reuse a token for hours: keep the recent ones
                self._verified.clear()
            self._verified[token] = claims
        if claims["aud"] not in audiences:
            raise TokenError("audience", claims["aud"])
        return claims

    def _decode(self, token: str) -> dict:
        """Signature and issuer by PyJWT; the time claims and the tenant here, since PyJWT takes
        `"exp": "1e10"` for a number and overflows on `Infinity`."""
        try:
            claims = jwt.decode(token, self._public, algorithms=["RS256"], issuer=self.issuer,
                                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False,
                                         "verify_iat": False, "require": ["exp", "aud", "oid", "tid"]})
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError("invalid", str(exc))
        for name in ("exp", "nbf", "iat"):
            if name in claims and not _numeric_date(claims[name]):
                raise TokenError("invalid", f"the '{name}' claim is not a NumericDate")
        if not isinstance(claims["oid"], str):
            raise TokenError("invalid", "the 'oid' claim is not a string")
        if claims["tid"] != self.tenant_id:
            raise TokenError("tenant", str(claims["tid"]))
        now = time.time()
        if claims["exp"] <= now:
            raise TokenError("expired", datetime.fromtimestamp(max(claims["exp"], 0), timezone.utc)
                             .strftime("%m/%d/%Y %H:%M:%S"))
        if claims.get("nbf", 0) > now + 300:        # Entra ID's validators allow 5 minutes of skew
            raise TokenError("invalid", "the token is not valid yet (nbf)")
        return claims

    def jwk(self) -> dict:
        numbers = self._public.public_numbers()
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": b64url(uint(numbers.n)),
                "e": b64url(uint(numbers.e)), "issuer": self.issuer}


def _numeric_date(value) -> bool:
    """RFC 7519 §2: a JSON number of seconds; JSON has no Infinity, and Azure's dates end in 9999."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and -2**53 < value < MAX_EPOCH


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold the RSA key the sandbox signs its tokens with")
        return loaded
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_private(path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return key
