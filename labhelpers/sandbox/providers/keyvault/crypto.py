"""Key material and what it does: real RSA/EC keys (private keys stay in SQLite), and the cryptographic
operations with Key Vault's rules on algorithms, sizes, key_ops and validity dates (facts §B7; wire
contract §3.3)."""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from ...encoding import b64url, uint
from ...store import loads
from . import errors

if TYPE_CHECKING:
    from ...context import Sandbox

CURVES: dict[str, Callable[[], ec.EllipticCurve]] = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1,
                                                     "P-521": ec.SECP521R1, "P-256K": ec.SECP256K1}


def generate(kty: str, size: int | None, crv: str | None) -> bytes:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if kty.startswith("RSA"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=size or 2048)
    else:
        key = ec.generate_private_key(CURVES[crv or "P-256"]())
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@lru_cache(maxsize=256)
def private_key(der: bytes):
    return serialization.load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)


def public_jwk(v: dict) -> dict:
    """The public members of a version's JWK: n and e, or crv, x and y (never the private part)."""
    public = private_key(v["private_key"]).public_key()
    nums = public.public_numbers()
    if isinstance(public, rsa.RSAPublicKey):
        return {"n": b64url(uint(nums.n)), "e": b64url(uint(nums.e))}
    width = (public.curve.key_size + 7) // 8
    return {"crv": v["crv"], "x": b64url(nums.x.to_bytes(width, "big")), "y": b64url(nums.y.to_bytes(width, "big"))}


_OAEP = {"RSA-OAEP": hashes.SHA1, "RSA-OAEP-256": hashes.SHA256}
Hash = Callable[[], hashes.HashAlgorithm]
_HASHES: dict[str, Hash] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_ALGS: dict[str, tuple[str, Hash]] = {"ES256": ("P-256", hashes.SHA256), "ES384": ("P-384", hashes.SHA384),
                                         "ES512": ("P-521", hashes.SHA512), "ES256K": ("P-256K", hashes.SHA256)}
# Date-time controlled operations: outside nbf/exp only the private-key inverse ones still work (facts §B7).
_TIME_BOUND = {"encrypt", "wrapKey", "sign"}


def usable(sb: Sandbox, v: dict, op: str) -> None:
    """403 unless `op` may run on this version now (key_ops, enabled, nbf/exp)."""
    if op not in loads(v["key_ops"]):
        raise errors.KEY_OPERATION_FORBIDDEN(op=op)
    if not v["enabled"]:
        raise errors.KEY_DISABLED(op=op)
    now = sb.clock.now()
    if op in _TIME_BOUND:
        if v["nbf"] is not None and now < v["nbf"]:
            raise errors.KEY_NOT_YET_VALID(op=op)
        if v["exp"] is not None and now > v["exp"]:
            raise errors.KEY_EXPIRED(op=op)


def _rsa_padding(alg: object):
    if isinstance(alg, str) and alg in _OAEP:      # `alg` is what the JSON body held: maybe not a string
        h = _OAEP[alg]()
        return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
    if alg == "RSA1_5":
        return padding.PKCS1v15()
    raise errors.RSA_ALGORITHM_INVALID(alg=alg)


def _rsa(v: dict, alg: object):
    key = private_key(v["private_key"])
    if not isinstance(key, rsa.RSAPrivateKey):
        raise errors.ALGORITHM_NEEDS_RSA(alg=alg, kty=v['kty'])
    return key


def encrypt(v: dict, alg: object, data: bytes) -> bytes:
    key = _rsa(v, alg)
    try:
        return key.public_key().encrypt(data, _rsa_padding(alg))
    except ValueError:
        raise errors.PLAINTEXT_TOO_LONG(alg=alg, key_size=key.key_size)


def decrypt(v: dict, alg: object, data: bytes) -> bytes:
    key = _rsa(v, alg)
    pad = _rsa_padding(alg)
    try:
        return key.decrypt(data, pad)
    except ValueError:
        raise errors.CIPHERTEXT_UNDECRYPTABLE(alg=alg)


def _sig_scheme(v: dict, requested: object):
    alg = str(requested)
    if alg[:2] in ("RS", "PS") and alg[2:] in _HASHES:
        h = _HASHES[alg[2:]]()
        pad = padding.PKCS1v15() if alg.startswith("RS") else padding.PSS(mgf=padding.MGF1(h),
                                                                           salt_length=h.digest_size)
        _rsa(v, alg)
        return "rsa", pad, h
    if alg in _EC_ALGS:
        crv, ec_hash = _EC_ALGS[alg]
        if v["crv"] != crv:
            raise errors.ALGORITHM_NEEDS_EC(alg=alg, crv=crv, key=f"{v['kty']} {v['crv'] or ''}".rstrip())
        return "ec", None, ec_hash()
    raise errors.SIGNATURE_ALGORITHM_INVALID(alg=alg)


def sign(v: dict, alg: object, digest: bytes) -> bytes:
    kind, pad, h = _sig_scheme(v, alg)
    if len(digest) != h.digest_size:
        raise errors.DIGEST_SIZE_WRONG(digest_size=h.digest_size, alg=alg)
    key = private_key(v["private_key"])
    if kind == "rsa":
        return key.sign(digest, pad, utils.Prehashed(h))
    r, s = utils.decode_dss_signature(key.sign(digest, ec.ECDSA(utils.Prehashed(h))))
    width = (key.curve.key_size + 7) // 8
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")     # JWS form: r || s


def verify(v: dict, alg: object, digest: bytes, signature: bytes) -> bool:
    kind, pad, h = _sig_scheme(v, alg)
    public = private_key(v["private_key"]).public_key()
    try:
        if kind == "rsa":
            public.verify(signature, digest, pad, utils.Prehashed(h))
        else:
            width = (public.curve.key_size + 7) // 8
            if len(signature) != 2 * width:
                return False
            der = utils.encode_dss_signature(int.from_bytes(signature[:width], "big"),
                                             int.from_bytes(signature[width:], "big"))
            public.verify(der, digest, ec.ECDSA(utils.Prehashed(h)))
        return True
    except (InvalidSignature, ValueError):
        return False


