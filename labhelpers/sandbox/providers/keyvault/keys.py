"""Keys in a vault: versions with real RSA/EC key material (private keys stay in SQLite), attributes,
rotation policies run on the sandbox clock, soft delete and purge, and the cryptographic operations
(facts §B2, §B3, §B6–B8; wire contract §3.3).

A key name has one `kv_keys` row (its rotation policy and deleted state) and one `kv_key_versions`
row per version; the latest version is the one created last."""
from __future__ import annotations

import base64
import re
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from ... import registry
from ...clock import add_duration, parse_duration
from ...errors import AzureError
from ...store import dumps, loads
from . import audit, models

registry.schema("""
CREATE TABLE IF NOT EXISTS kv_keys (
  vault          TEXT NOT NULL,        -- kv_vaults.key
  key            TEXT NOT NULL,        -- lower-case name (key names are case-insensitive)
  name           TEXT NOT NULL,        -- as created
  policy         TEXT,                 -- rotation policy: {"lifetimeActions": [...], "attributes": {...}}
  policy_created REAL,
  policy_updated REAL,
  next_rotation  REAL,                 -- when the policy's Rotate trigger is due (sandbox clock)
  deleted        REAL,
  purge_at       REAL,
  PRIMARY KEY (vault, key)
);
CREATE INDEX IF NOT EXISTS kv_keys_rotation ON kv_keys (next_rotation);
CREATE INDEX IF NOT EXISTS kv_keys_purge ON kv_keys (purge_at);
CREATE TABLE IF NOT EXISTS kv_key_versions (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order: the latest version is the max
  vault       TEXT NOT NULL,
  key         TEXT NOT NULL,
  name        TEXT NOT NULL,                        -- the key's name as created
  version     TEXT NOT NULL,
  kty         TEXT NOT NULL,
  size        INTEGER,
  crv         TEXT,
  private_key BLOB NOT NULL,                        -- PKCS#8 DER, never leaves the sandbox
  key_ops     TEXT NOT NULL,
  enabled     INTEGER NOT NULL,
  nbf         REAL,
  exp         REAL,
  created     REAL NOT NULL,
  updated     REAL NOT NULL,
  tags        TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS kv_key_versions_id ON kv_key_versions (vault, key, version);
""")

_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
RSA_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
EC_OPS = ["sign", "verify"]
_ALL_OPS = {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "release"}
_RSA_SIZES = (2048, 3072, 4096)
_CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1, "P-256K": ec.SECP256K1}
_MAX_TAGS = 15
_DEFAULT_NOTIFY = {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}


def bad(message: str) -> AzureError:
    return AzureError(400, "BadParameter", message)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text, field: str) -> bytes:
    if not isinstance(text, str):
        raise bad(f"Property '{field}' is required and must be a base64url string.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise bad(f"Property '{field}' is not a valid base64url string.")


def _int(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")


# ---- naming and lookup ----------------------------------------------------------------------------

def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise bad(f"The request URI contains an invalid name: {name}. Key names are 1-127 characters: "
                  "letters, digits and hyphens.")


def not_found(name: str, version: str | None = None) -> AzureError:
    ident = f"{name}/{version}" if version else name
    return AzureError(404, "KeyNotFound",   # facts §B5
                      f"A key with (name/id) {ident} was not found in this key vault. If you recently deleted "
                      "this key you may be able to recover it using the correct recovery command. For help "
                      "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")


def deleted_not_found(name: str) -> AzureError:
    return AzureError(404, "KeyNotFound", f"Deleted Key not found: {name}")


def _name_row(sb, vault: dict, name: str) -> dict | None:
    return sb.store.one("SELECT * FROM kv_keys WHERE vault = ? AND key = ?", (vault["key"], name.lower()))


def live_row(sb, vault: dict, name: str) -> dict:
    r = _name_row(sb, vault, name)
    if r is None or r["deleted"] is not None:
        raise not_found(name)
    return r


def deleted_row(sb, vault: dict, name: str) -> dict:
    r = _name_row(sb, vault, name)
    if r is None or r["deleted"] is None:
        raise deleted_not_found(name)
    return r


def version_row(sb, vault: dict, name: str, version: str | None = None) -> dict:
    """A version of a live key (the latest without `version`), or 404 KeyNotFound."""
    live_row(sb, vault, name)
    if version:
        v = sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? AND version = ?",
                         (vault["key"], name.lower(), version.lower()))
    else:
        v = _latest(sb, vault["key"], name.lower())
    if v is None:
        raise not_found(name, version)
    return v


def _latest(sb, vault_key: str, key: str) -> dict | None:
    return sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? ORDER BY seq DESC LIMIT 1",
                        (vault_key, key))


# ---- wire shapes ----------------------------------------------------------------------------------

def key_url(vault: dict, name: str, version: str | None = None) -> str:
    base = f"https://{vault['key']}.vault.azure.net/keys/{name}"
    return f"{base}/{version}" if version else base


def recovery_level(vault: dict) -> str:
    days = models.retention_days(vault)
    level = "Recoverable" if models.purge_protected(vault) else "Recoverable+Purgeable"
    return level if days == 90 else "Customized" + level


def attributes(vault: dict, v: dict) -> dict:
    attrs = {"enabled": bool(v["enabled"]), "created": int(v["created"]), "updated": int(v["updated"]),
             "recoveryLevel": recovery_level(vault), "recoverableDays": models.retention_days(vault),
             "exportable": False,
             # "0" = software-protected, "2" = the FIPS 140-3 Level 3 HSM platform (Azure/azure-sdk-for-java
             # keys tests assert "0" for a vault's software keys; the attribute exists from 7.5 on)
             "hsmPlatform": "2" if str(v["kty"]).endswith("-HSM") else "0"}
    for field in ("nbf", "exp"):
        if v[field] is not None:
            attrs[field] = int(v[field])
    return attrs


def bundle(vault: dict, v: dict) -> dict:
    """KeyBundle: the public JWK, attributes and tags (never the private part)."""
    public = private_key(v["private_key"]).public_key()
    jwk = {"kid": key_url(vault, v["name"], v["version"]), "kty": v["kty"], "key_ops": loads(v["key_ops"])}
    if isinstance(public, rsa.RSAPublicKey):
        nums = public.public_numbers()
        jwk.update(n=b64url(_int(nums.n)), e=b64url(_int(nums.e)))
    else:
        nums = public.public_numbers()
        width = (public.curve.key_size + 7) // 8
        jwk.update(crv=v["crv"], x=b64url(nums.x.to_bytes(width, "big")), y=b64url(nums.y.to_bytes(width, "big")))
    return _with_tags({"key": jwk, "attributes": attributes(vault, v)}, v)


def _with_tags(body: dict, v: dict) -> dict:
    """Key Vault leaves `tags` out when a key has none (recorded 2025-07-01 answers, issue #8)."""
    tags = loads(v["tags"])
    return {**body, "tags": tags} if tags else body


def item(vault: dict, v: dict, *, versioned: bool) -> dict:
    """KeyItem (list entries): the key id (with version for version lists), attributes, tags."""
    return _with_tags({"kid": key_url(vault, v["name"], v["version"] if versioned else None),
                       "attributes": attributes(vault, v)}, v)


def deleted_extra(vault: dict, k: dict) -> dict:
    return {"recoveryId": f"https://{vault['key']}.vault.azure.net/deletedkeys/{k['name']}",
            "deletedDate": int(k["deleted"]), "scheduledPurgeDate": int(k["purge_at"])}


@lru_cache(maxsize=256)
def private_key(der: bytes):
    return serialization.load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)


# ---- create / update ------------------------------------------------------------------------------

def _attributes_in(body: dict) -> dict:
    attrs = body.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise bad("Property 'attributes' must be an object.")
    out = {}
    if "enabled" in attrs and attrs["enabled"] is not None:
        if not isinstance(attrs["enabled"], bool):
            raise bad("Property 'attributes.enabled' must be a boolean.")
        out["enabled"] = attrs["enabled"]
    for field in ("nbf", "exp"):
        if field in attrs:
            value = attrs[field]
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
                raise bad(f"Property 'attributes.{field}' must be a NumericDate (seconds since 1970-01-01).")
            out[field] = value
    return out


def _tags_in(body: dict) -> dict | None:
    if "tags" not in body or body["tags"] is None:
        return None
    tags = body["tags"]
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise bad("Property 'tags' must be an object of strings.")
    if len(tags) > _MAX_TAGS:
        raise bad(f"A key can have at most {_MAX_TAGS} tags.")
    return tags


def _ops_in(body: dict, default: list[str]) -> list[str]:
    ops = body.get("key_ops")
    if ops is None:
        return default
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise bad("Property 'key_ops' must be an array of operation names.")
    unknown = [o for o in ops if o not in _ALL_OPS]
    if unknown:
        raise bad(f"Invalid key operation '{unknown[0]}'. Valid operations are: {', '.join(sorted(_ALL_OPS))}.")
    return ops


def _spec(vault: dict, body: dict) -> tuple[str, int | None, str | None]:
    """(kty, size, crv) of a create request, with Key Vault's rules for vault keys (facts §B6)."""
    kty = body.get("kty")
    if kty not in ("RSA", "RSA-HSM", "EC", "EC-HSM"):
        raise bad(f"The key type (kty) '{kty}' is not supported by a vault; use RSA, RSA-HSM, EC or EC-HSM.")
    if kty.endswith("-HSM") and loads(vault["properties"])["sku"]["name"] != "premium":
        # azure-docs#34948 / #63888: az keyvault key create --kty RSA-HSM on a standard vault
        raise AzureError(403, "Forbidden", "Hardware key operation not allowed on standard vault")
    if kty.startswith("RSA"):
        size = body.get("key_size") or 2048
        if size not in _RSA_SIZES:
            raise bad(f"The key size {size} is not supported for RSA keys; use 2048, 3072 or 4096.")
        if body.get("public_exponent") not in (None, 65537):
            raise bad("The public exponent must be 65537.")
        return kty, size, None
    crv = body.get("crv") or "P-256"
    if crv not in _CURVES:
        raise bad(f"The curve '{crv}' is not supported; use {', '.join(_CURVES)}.")
    return kty, None, crv


def _generate(kty: str, size: int | None, crv: str | None) -> bytes:
    if kty.startswith("RSA"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=size)
    else:
        key = ec.generate_private_key(_CURVES[crv]())
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _insert_version(sb, vault: dict, k: dict, kty, size, crv, der: bytes, ops: list[str], attrs: dict,
                    tags: dict, created: float) -> dict:
    version = secrets.token_hex(16)
    key = k["key"]
    sb.store.execute(
        "INSERT INTO kv_key_versions (vault, key, name, version, kty, size, crv, private_key, key_ops, enabled, nbf, "
        "exp, created, updated, tags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (vault["key"], key, k["name"], version, kty, size, crv, der, dumps(ops), int(attrs.get("enabled", True)),
         attrs.get("nbf"), attrs.get("exp"), created, created, dumps(tags)))
    return sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? AND version = ?",
                        (vault["key"], key, version))


def conflict_deleted(name: str) -> AzureError:
    # The secret message of facts §B2, for keys (Azure/azure-rest-api-specs#9222).
    return AzureError(409, "Conflict",
                      f"Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; "
                      "in this state, the key can only be recovered or purged.",
                      innererror={"code": "ObjectIsDeletedButRecoverable"})


def create(sb, vault: dict, name: str, body: dict) -> dict:
    """A new key, or a new version of an existing one: its version row."""
    check_name(name)
    kty, size, crv = _spec(vault, body)
    ops = _ops_in(body, RSA_OPS if kty.startswith("RSA") else EC_OPS)
    attrs, tags = _attributes_in(body), _tags_in(body) or {}
    der = _generate(kty, size, crv)           # outside the transaction: RSA generation takes a while
    with sb.store.transaction():
        k = _name_row(sb, vault, name)
        if k and k["deleted"] is not None:
            raise conflict_deleted(k["name"])
        if k is None:
            sb.store.execute("INSERT INTO kv_keys (vault, key, name) VALUES (?,?,?)", (vault["key"], name.lower(), name))
            k = _name_row(sb, vault, name)
        v = _insert_version(sb, vault, k, kty, size, crv, der, ops, attrs, tags, sb.clock.now())
        _schedule(sb, vault, k)
    return v


def update(sb, vault: dict, name: str, version: str | None, body: dict) -> dict:
    attrs, tags = _attributes_in(body), _tags_in(body)
    with sb.store.transaction():
        v = version_row(sb, vault, name, version)
        ops = _ops_in(body, loads(v["key_ops"]))
        sb.store.execute(
            "UPDATE kv_key_versions SET key_ops = ?, enabled = ?, nbf = ?, exp = ?, tags = ?, updated = ? WHERE seq = ?",
            (dumps(ops), int(attrs.get("enabled", bool(v["enabled"]))), attrs.get("nbf", v["nbf"]),
             attrs.get("exp", v["exp"]), dumps(tags if tags is not None else loads(v["tags"])), sb.clock.now(),
             v["seq"]))
        _schedule(sb, vault, live_row(sb, vault, name))     # a new exp moves a timeBeforeExpiry trigger
        return sb.store.one("SELECT * FROM kv_key_versions WHERE seq = ?", (v["seq"],))


def rotate(sb, vault: dict, name: str, *, at: float | None = None, expect_due: float | None = None) -> dict | None:
    """A new version like the latest one; with a policy expiryTime it expires that long after creation.
    `expect_due` makes it the scheduled rotation: skipped (None) if another process already did it."""
    latest = version_row(sb, vault, name)
    der = _generate(latest["kty"], latest["size"], latest["crv"])
    with sb.store.transaction():
        k = live_row(sb, vault, name)
        if expect_due is not None and k["next_rotation"] != expect_due:
            return None
        latest = _latest(sb, vault["key"], k["key"])
        created = sb.clock.now() if at is None else at
        expiry = (loads(k["policy"]) or {}).get("attributes", {}).get("expiryTime")
        attrs = {"enabled": True, "exp": add_duration(created, expiry) if expiry else None}
        v = _insert_version(sb, vault, k, latest["kty"], latest["size"], latest["crv"], der,
                            loads(latest["key_ops"]), attrs, loads(latest["tags"]), created)
        _schedule(sb, vault, k)
    return v


# ---- rotation policy ------------------------------------------------------------------------------

def _days(duration: str, field: str) -> float:
    try:
        parse_duration(duration)
    except ValueError:
        raise bad(f"The value '{duration}' of '{field}' is not an ISO-8601 duration such as P90D, P3M or P1Y.")
    return (add_duration(0, duration)) / 86400


def validate_policy(body: dict) -> dict:
    """The policy as stored, with Key Vault's rules (facts §B8): expiryTime ≥ 28 days; Rotate triggers
    ≥ 7 days after creation and ≥ 7 days before expiry; timeAfterCreate for Rotate only;
    timeBeforeExpiry needs expiryTime; the default Notify action is added when none is given."""
    actions = body.get("lifetimeActions") or []
    attrs = body.get("attributes") or {}
    if not isinstance(actions, list) or not isinstance(attrs, dict):
        raise bad("'lifetimeActions' must be an array and 'attributes' an object.")
    expiry = attrs.get("expiryTime")
    expiry_days = None
    if expiry is not None:
        expiry_days = _days(expiry, "expiryTime")
        if expiry_days < 28:
            raise bad(f"The expiryTime '{expiry}' is too short: a rotation policy's expiry time must be at least "
                      "28 days (P28D).")
    seen, stored = set(), []
    for a in actions:
        kind = str(((a or {}).get("action") or {}).get("type", "")).lower()
        trigger = (a or {}).get("trigger") or {}
        if kind not in ("rotate", "notify"):
            raise bad(f"The lifetime action type '{kind}' is not valid; use 'Rotate' or 'Notify'.")
        if kind in seen:
            raise bad(f"A rotation policy can have only one '{kind.capitalize()}' lifetime action.")
        seen.add(kind)
        after, before = trigger.get("timeAfterCreate"), trigger.get("timeBeforeExpiry")
        if (after is None) == (before is None):
            raise bad("Each lifetime action needs exactly one trigger: 'timeAfterCreate' or 'timeBeforeExpiry'.")
        if after is not None:
            if kind == "notify":
                raise bad("The 'timeAfterCreate' trigger applies to the 'Rotate' action only; "
                          "use 'timeBeforeExpiry' for 'Notify'.")
            days = _days(after, "timeAfterCreate")
            if days < 7:
                raise bad(f"The rotation time '{after}' is too short: a key can be rotated at the earliest 7 days "
                          "after it was created.")
            if expiry_days is not None and days > expiry_days - 7:
                raise bad(f"The rotation time '{after}' after creation must be at least 7 days before the expiry "
                          f"time '{expiry}'.")
            trigger = {"timeAfterCreate": after}
        else:
            if expiry_days is None:
                raise bad("The 'timeBeforeExpiry' trigger needs an expiry time: set 'attributes.expiryTime'.")
            days = _days(before, "timeBeforeExpiry")
            if days < 7 or days > expiry_days - 7:
                raise bad(f"The time before expiry '{before}' must be at least 7 days and at most the expiry "
                          f"time '{expiry}' minus 7 days.")
            trigger = {"timeBeforeExpiry": before}
        stored.append({"trigger": trigger, "action": {"type": "Rotate" if kind == "rotate" else "Notify"}})
    if "notify" not in seen:      # the service adds it (facts §B8, azure-sdk-for-js recordings)
        stored.append(dict(_DEFAULT_NOTIFY))
    return {"lifetimeActions": stored, "attributes": {"expiryTime": expiry} if expiry else {}}


def set_policy(sb, vault: dict, name: str, body: dict) -> dict:
    policy = validate_policy(body)
    with sb.store.transaction():
        k = live_row(sb, vault, name)
        now = sb.clock.now()
        sb.store.execute("UPDATE kv_keys SET policy = ?, policy_created = COALESCE(policy_created, ?), "
                         "policy_updated = ? WHERE vault = ? AND key = ?",
                         (dumps(policy), now, now, vault["key"], k["key"]))
        _schedule(sb, vault, k)
    return policy_json(sb, vault, name)


def policy_json(sb, vault: dict, name: str) -> dict:
    k = live_row(sb, vault, name)
    policy = loads(k["policy"]) or {"lifetimeActions": [dict(_DEFAULT_NOTIFY)], "attributes": {}}
    attrs = dict(policy["attributes"])
    if k["policy_created"] is not None:
        attrs.update(created=int(k["policy_created"]), updated=int(k["policy_updated"]))
    return {"id": f"{key_url(vault, k['name'])}/rotationpolicy", "lifetimeActions": policy["lifetimeActions"],
            "attributes": attrs}


def _schedule(sb, vault: dict, k: dict) -> None:
    """Recompute when the key's Rotate trigger fires, from its latest version."""
    policy = loads(sb.store.one("SELECT policy FROM kv_keys WHERE vault = ? AND key = ?",
                                (vault["key"], k["key"]))["policy"]) or {}
    latest = _latest(sb, vault["key"], k["key"])
    due = None
    for a in policy.get("lifetimeActions", []):
        if a["action"]["type"] != "Rotate" or latest is None:
            continue
        trigger = a["trigger"]
        if "timeAfterCreate" in trigger:
            due = add_duration(latest["created"], trigger["timeAfterCreate"])
        elif latest["exp"] is not None:
            due = latest["exp"] - add_duration(0, trigger["timeBeforeExpiry"])
    sb.store.execute("UPDATE kv_keys SET next_rotation = ? WHERE vault = ? AND key = ?", (due, vault["key"], k["key"]))


# ---- delete / recover / purge ---------------------------------------------------------------------

def delete(sb, vault: dict, name: str) -> dict:
    with sb.store.transaction():
        k = live_row(sb, vault, name)
        now = sb.clock.now()
        sb.store.execute("UPDATE kv_keys SET deleted = ?, purge_at = ? WHERE vault = ? AND key = ?",
                         (now, now + models.retention_days(vault) * 86400, vault["key"], k["key"]))
    return _name_row(sb, vault, name)


def recover(sb, vault: dict, name: str) -> dict:
    with sb.store.transaction():
        k = deleted_row(sb, vault, name)
        sb.store.execute("UPDATE kv_keys SET deleted = NULL, purge_at = NULL WHERE vault = ? AND key = ?",
                         (vault["key"], k["key"]))
        _schedule(sb, vault, k)
    return k


def purge(sb, vault: dict, name: str) -> None:
    with sb.store.transaction():
        k = deleted_row(sb, vault, name)
        if models.purge_protected(vault):
            raise AzureError(403, "Forbidden",     # facts §B3
                             'Operation "purge" is not allowed because purge protection is enabled for this vault. '
                             "Key Vault service will automatically purge it after the retention period has passed.")
        _remove(sb, vault["key"], k["key"])


def _remove(sb, vault_key: str, key: str | None = None) -> None:
    where, args = ("vault = ? AND key = ?", (vault_key, key)) if key else ("vault = ?", (vault_key,))
    sb.store.execute(f"DELETE FROM kv_key_versions WHERE {where}", args)
    sb.store.execute(f"DELETE FROM kv_keys WHERE {where}", args)


models.PURGE_HOOKS.append(_remove)


# ---- cryptography ---------------------------------------------------------------------------------

_OAEP = {"RSA-OAEP": hashes.SHA1, "RSA-OAEP-256": hashes.SHA256}
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_ALGS = {"ES256": ("P-256", hashes.SHA256), "ES384": ("P-384", hashes.SHA384),
            "ES512": ("P-521", hashes.SHA512), "ES256K": ("P-256K", hashes.SHA256)}
# Date-time controlled operations: outside nbf/exp only the private-key inverse ones still work (facts §B7).
_TIME_BOUND = {"encrypt", "wrapKey", "sign"}


def usable(sb, v: dict, op: str) -> None:
    """403 unless `op` may run on this version now (key_ops, enabled, nbf/exp)."""
    if op not in loads(v["key_ops"]):
        raise AzureError(403, "Forbidden", f"Operation {op} is not permitted on this key.",
                         innererror={"code": "KeyOperationForbidden"})
    if not v["enabled"]:
        raise AzureError(403, "Forbidden", f"Operation {op} is not allowed on a disabled key.",
                         innererror={"code": "KeyDisabled"})
    now = sb.clock.now()
    if op in _TIME_BOUND:
        if v["nbf"] is not None and now < v["nbf"]:
            raise AzureError(403, "Forbidden", f"Operation {op} is not allowed on a key that is not yet valid.",
                             innererror={"code": "KeyNotYetValid"})
        if v["exp"] is not None and now > v["exp"]:
            raise AzureError(403, "Forbidden", f"Operation {op} is not allowed on an expired key.",
                             innererror={"code": "KeyExpired"})


def _rsa_padding(alg):
    if alg in _OAEP:
        h = _OAEP[alg]()
        return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
    if alg == "RSA1_5":
        return padding.PKCS1v15()
    raise bad(f"Invalid algorithm '{alg}' for an RSA key; use RSA-OAEP, RSA-OAEP-256 or RSA1_5.")


def _rsa(v: dict, alg: str):
    key = private_key(v["private_key"])
    if not isinstance(key, rsa.RSAPrivateKey):
        raise bad(f"The algorithm '{alg}' needs an RSA key; this key is {v['kty']}.")
    return key


def encrypt(v: dict, alg: str, data: bytes) -> bytes:
    key = _rsa(v, alg)
    try:
        return key.public_key().encrypt(data, _rsa_padding(alg))
    except ValueError:
        raise bad(f"The value is too long to be encrypted with {alg} and a {key.key_size}-bit key.")


def decrypt(v: dict, alg: str, data: bytes) -> bytes:
    key = _rsa(v, alg)
    pad = _rsa_padding(alg)
    try:
        return key.decrypt(data, pad)
    except ValueError:
        raise bad(f"The ciphertext could not be decrypted with this key and {alg}: it was not encrypted with "
                  "this key version, or with another algorithm.")


def _sig_scheme(v: dict, alg: str):
    alg = str(alg)
    if alg[:2] in ("RS", "PS") and alg[2:] in _HASHES:
        h = _HASHES[alg[2:]]()
        pad = padding.PKCS1v15() if alg.startswith("RS") else padding.PSS(mgf=padding.MGF1(h),
                                                                           salt_length=h.digest_size)
        _rsa(v, alg)
        return "rsa", pad, h
    if alg in _EC_ALGS:
        crv, h = _EC_ALGS[alg]
        if v["crv"] != crv:
            raise bad(f"The algorithm '{alg}' needs an EC key on curve {crv}; this key is {v['kty']} "
                      f"{v['crv'] or ''}".rstrip() + ".")
        return "ec", None, h()
    raise bad(f"Invalid signature algorithm '{alg}'; use RS256/384/512, PS256/384/512 or ES256/384/512/256K.")


def sign(v: dict, alg: str, digest: bytes) -> bytes:
    kind, pad, h = _sig_scheme(v, alg)
    if len(digest) != h.digest_size:
        raise bad(f"The digest must be {h.digest_size} bytes for {alg}.")
    key = private_key(v["private_key"])
    if kind == "rsa":
        return key.sign(digest, pad, utils.Prehashed(h))
    r, s = utils.decode_dss_signature(key.sign(digest, ec.ECDSA(utils.Prehashed(h))))
    width = (key.curve.key_size + 7) // 8
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")     # JWS form: r || s


def verify(v: dict, alg: str, digest: bytes, signature: bytes) -> bool:
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


@registry.resource_exists("Microsoft.KeyVault", "vaults/keys")
def _key_exists(sb, subscription_id: str, group: str, names: list[str]) -> bool:
    """A key is an ARM resource too (Microsoft.KeyVault/vaults/keys) while it is live."""
    vault = models.live_in_group(sb, subscription_id, group, names[0])
    r = vault and _name_row(sb, vault, names[1])
    return bool(r) and r["deleted"] is None


# ---- the sandbox clock ----------------------------------------------------------------------------

@registry.ticker
def _on_clock(sb, now: float) -> None:
    """Scheduled rotations (each one audited as KeyRotateIfDue, at the time it was due) and the
    purge of deleted keys whose retention is over."""
    for k in sb.store.all("SELECT k.* FROM kv_keys k JOIN kv_vaults v ON v.key = k.vault "
                          "WHERE k.next_rotation <= ? AND k.deleted IS NULL AND v.deleted IS NULL", (now,)):
        vault = models.row(sb, k["vault"])
        due = k["next_rotation"]
        while due is not None and due <= now:
            v = rotate(sb, vault, k["name"], at=due, expect_due=due)
            if v is None:
                break
            audit.record_service(sb, vault, "KeyRotateIfDue", key_url(vault, k["name"], v["version"]), due)
            due = _name_row(sb, vault, k["name"])["next_rotation"]
    due_purges = sb.store.all("SELECT vault, key FROM kv_keys WHERE purge_at <= ?", (now,))
    if due_purges:
        with sb.store.transaction():
            for k in due_purges:
                _remove(sb, k["vault"], k["key"])
