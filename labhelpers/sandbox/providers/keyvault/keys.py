"""Keys in a vault, their versions and lifecycle: names, lookups, create and update (the request's
attributes, tags and operations), soft delete, recovery and purge (facts §B2, §B3, §B6).

A key name has one `kv_keys` row (its rotation policy and deleted state) and one `kv_key_versions`
row per version; the latest version is the one created last. Rotation is in rotation.py, the key
material and what it does in crypto.py."""
from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

from ... import registry
from ...clock import add_duration
from ...errors import AzureError
from ...store import dumps, loads, present
from . import crypto, errors, models

if TYPE_CHECKING:
    from ...context import Sandbox

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
_MAX_TAGS = 15
# A NumericDate Key Vault can read: .NET's DateTime, 0001-01-01 to 9999-12-31T23:59:59Z.
FIRST_DATE, LAST_DATE = -62135596800, 253402300799


# ---- naming and lookup ----------------------------------------------------------------------------

def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise errors.KEY_NAME_INVALID(name=name)


def not_found(name: str, version: str | None = None) -> AzureError:
    ident = f"{name}/{version}" if version else name
    return errors.KEY_NOT_FOUND(ident=ident)


def name_row(sb: Sandbox, vault: dict, name: str) -> dict | None:
    return sb.store.one("SELECT * FROM kv_keys WHERE vault = ? AND key = ?", (vault["key"], name.lower()))


def live_row(sb: Sandbox, vault: dict, name: str) -> dict:
    r = name_row(sb, vault, name)
    if r is None or r["deleted"] is not None:
        raise not_found(name)
    return r


def deleted_row(sb: Sandbox, vault: dict, name: str) -> dict:
    r = name_row(sb, vault, name)
    if r is None or r["deleted"] is None:
        raise errors.DELETED_KEY_NOT_FOUND(name=name)
    return r


def version_row(sb: Sandbox, vault: dict, name: str, version: str | None = None) -> dict:
    """A version of a live key (the latest without `version`), or 404 KeyNotFound."""
    live_row(sb, vault, name)
    if version:
        v = sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? AND version = ?",
                         (vault["key"], name.lower(), version.lower()))
    else:
        v = latest(sb, vault["key"], name.lower())
    if v is None:
        raise not_found(name, version)
    return v


def latest(sb: Sandbox, vault_key: str, key: str) -> dict | None:
    return sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? ORDER BY seq DESC LIMIT 1",
                        (vault_key, key))


def key_url(vault: dict, name: str, version: str | None = None) -> str:
    base = f"https://{vault['key']}.vault.azure.net/keys/{name}"
    return f"{base}/{version}" if version else base


def list_latest(sb: Sandbox, vault: dict) -> list[dict]:
    """The latest version of every live key, by name."""
    return sb.store.all(
        "SELECT v.* FROM kv_key_versions v JOIN kv_keys k ON k.vault = v.vault AND k.key = v.key "
        "WHERE v.vault = ? AND k.deleted IS NULL AND v.seq = "
        "(SELECT MAX(seq) FROM kv_key_versions WHERE vault = v.vault AND key = v.key) ORDER BY v.key",
        (vault["key"],))


def list_versions(sb: Sandbox, vault: dict, name: str) -> list[dict]:
    k = live_row(sb, vault, name)
    return sb.store.all("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? ORDER BY seq",
                        (vault["key"], k["key"]))


# ---- deleted keys ---------------------------------------------------------------------------------

def deleted_rows(sb: Sandbox, vault: dict, key: str | None = None) -> list[dict]:
    """Deleted keys joined with their latest version: (key row fields, version fields)."""
    return sb.store.all(
        "SELECT v.*, k.deleted, k.purge_at FROM kv_keys k JOIN kv_key_versions v ON v.vault = k.vault AND "
        "v.key = k.key WHERE k.vault = ? AND k.deleted IS NOT NULL AND (? IS NULL OR k.key = ?) AND v.seq = "
        "(SELECT MAX(seq) FROM kv_key_versions WHERE vault = k.vault AND key = k.key) ORDER BY k.key",
        (vault["key"], key, key))


# ---- create / update ------------------------------------------------------------------------------

def _attributes_in(body: dict) -> dict:
    attrs = body.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise errors.ATTRIBUTES_NOT_OBJECT()
    out: dict = {}
    if "enabled" in attrs and attrs["enabled"] is not None:
        if not isinstance(attrs["enabled"], bool):
            raise errors.ENABLED_NOT_BOOLEAN()
        out["enabled"] = attrs["enabled"]
    for field in ("nbf", "exp"):
        if field in attrs:
            value = attrs[field]
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
                raise errors.DATE_NOT_NUMERIC(field=field)
            if value is not None and not FIRST_DATE <= value <= LAST_DATE:
                raise errors.PROPERTY_INVALID(name=f"attributes.{field}")
            out[field] = value
    return out


def _tags_in(body: dict) -> dict | None:
    if "tags" not in body or body["tags"] is None:
        return None
    tags = body["tags"]
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise errors.KEY_TAGS_INVALID()
    if len(tags) > _MAX_TAGS:
        raise errors.TOO_MANY_TAGS(max_tags=_MAX_TAGS)
    return tags


def _ops_in(body: dict, default: list[str]) -> list[str]:
    ops = body.get("key_ops")
    if ops is None:
        return default
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise errors.KEY_OPS_NOT_ARRAY()
    unknown = [o for o in ops if o not in _ALL_OPS]
    if unknown:
        raise errors.KEY_OP_INVALID(unknown=unknown[0], values=', '.join(sorted(_ALL_OPS)))
    return ops


def _spec(vault: dict, body: dict) -> tuple[str, int | None, str | None]:
    """(kty, size, crv) of a create request, with Key Vault's rules for vault keys (facts §B6)."""
    kty = body.get("kty")
    if kty not in ("RSA", "RSA-HSM", "EC", "EC-HSM"):
        raise errors.KTY_NOT_SUPPORTED(kty=kty)
    if kty.endswith("-HSM") and loads(vault["properties"])["sku"]["name"] != "premium":
        # azure-docs#34948 / #63888: az keyvault key create --kty RSA-HSM on a standard vault
        raise errors.HSM_ON_STANDARD_VAULT()
    if kty.startswith("RSA"):
        size = body.get("key_size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
            raise errors.PROPERTY_INVALID(name="key_size")      # an int32 in the spec: 2048.0 is not one
        size = size or 2048
        if size not in _RSA_SIZES:
            raise errors.KEY_SIZE_NOT_SUPPORTED(size=size)
        if body.get("public_exponent") not in (None, 65537):
            raise errors.PUBLIC_EXPONENT_NOT_SUPPORTED()
        return kty, size, None
    crv = body.get("crv") or "P-256"
    if not isinstance(crv, str):
        raise errors.PROPERTY_INVALID(name="crv")
    if crv not in crypto.CURVES:
        raise errors.CURVE_NOT_SUPPORTED(crv=crv, values=', '.join(crypto.CURVES))
    return kty, None, crv


def insert_version(sb: Sandbox, vault: dict, k: dict, kty, size, crv, der: bytes, ops: list[str], attrs: dict,
                    tags: dict, created: float) -> dict:
    version = secrets.token_hex(16)
    key = k["key"]
    sb.store.execute(
        "INSERT INTO kv_key_versions (vault, key, name, version, kty, size, crv, private_key, key_ops, enabled, nbf, "
        "exp, created, updated, tags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (vault["key"], key, k["name"], version, kty, size, crv, der, dumps(ops), int(attrs.get("enabled", True)),
         attrs.get("nbf"), attrs.get("exp"), created, created, dumps(tags)))
    return present(sb.store.one("SELECT * FROM kv_key_versions WHERE vault = ? AND key = ? AND version = ?",
                                (vault["key"], key, version)), version)


def create(sb: Sandbox, vault: dict, name: str, body: dict) -> dict:
    """A new key, or a new version of an existing one: its version row."""
    check_name(name)
    kty, size, crv = _spec(vault, body)
    ops = _ops_in(body, RSA_OPS if kty.startswith("RSA") else EC_OPS)
    attrs, tags = _attributes_in(body), _tags_in(body) or {}
    der = crypto.generate(kty, size, crv)           # outside the transaction: RSA generation takes a while
    with sb.store.transaction():
        k = name_row(sb, vault, name)
        if k and k["deleted"] is not None:
            raise errors.KEY_DELETED_BUT_RECOVERABLE(name=k["name"])
        if k is None:
            sb.store.execute("INSERT INTO kv_keys (vault, key, name) VALUES (?,?,?)",
                             (vault["key"], name.lower(), name))
            k = present(name_row(sb, vault, name), name)
        v = insert_version(sb, vault, k, kty, size, crv, der, ops, attrs, tags, sb.clock.now())
        schedule(sb, vault, k)
    return v


def update(sb: Sandbox, vault: dict, name: str, version: str | None, body: dict) -> dict:
    attrs, tags = _attributes_in(body), _tags_in(body)
    with sb.store.transaction():
        v = version_row(sb, vault, name, version)
        ops = _ops_in(body, loads(v["key_ops"]))
        sb.store.execute(
            "UPDATE kv_key_versions SET key_ops = ?, enabled = ?, nbf = ?, exp = ?, tags = ?, updated = ? "
            "WHERE seq = ?",
            (dumps(ops), int(attrs.get("enabled", bool(v["enabled"]))), attrs.get("nbf", v["nbf"]),
             attrs.get("exp", v["exp"]), dumps(tags if tags is not None else loads(v["tags"])), sb.clock.now(),
             v["seq"]))
        schedule(sb, vault, live_row(sb, vault, name))     # a new exp moves a timeBeforeExpiry trigger
        return present(sb.store.one("SELECT * FROM kv_key_versions WHERE seq = ?", (v["seq"],)), v["version"])


def schedule(sb: Sandbox, vault: dict, k: dict) -> None:
    """Recompute when the key's Rotate trigger fires, from its latest version."""
    policy = loads(present(sb.store.one("SELECT policy FROM kv_keys WHERE vault = ? AND key = ?",
                                        (vault["key"], k["key"])), k["key"])["policy"]) or {}
    newest = latest(sb, vault["key"], k["key"])
    due = None if newest is None else due_after(policy, newest["created"], newest["exp"])
    sb.store.execute("UPDATE kv_keys SET next_rotation = ? WHERE vault = ? AND key = ?", (due, vault["key"], k["key"]))


def due_after(policy: dict, created: float, exp: float | None) -> float | None:
    """When the policy's Rotate trigger fires for a version created then (and expiring at exp)."""
    for a in policy.get("lifetimeActions", []):
        if a["action"]["type"] == "Rotate":
            trigger = a["trigger"]
            if "timeAfterCreate" in trigger:
                return add_duration(created, trigger["timeAfterCreate"])
            return None if exp is None else exp - add_duration(0, trigger["timeBeforeExpiry"])
    return None


# ---- delete / recover / purge ---------------------------------------------------------------------

def delete(sb: Sandbox, vault: dict, name: str) -> dict:
    with sb.store.transaction():
        k = live_row(sb, vault, name)
        now = sb.clock.now()
        sb.store.execute("UPDATE kv_keys SET deleted = ?, purge_at = ? WHERE vault = ? AND key = ?",
                         (now, now + models.retention_days(vault) * 86400, vault["key"], k["key"]))
    return present(name_row(sb, vault, name), name)


def recover(sb: Sandbox, vault: dict, name: str) -> dict:
    with sb.store.transaction():
        k = deleted_row(sb, vault, name)
        sb.store.execute("UPDATE kv_keys SET deleted = NULL, purge_at = NULL WHERE vault = ? AND key = ?",
                         (vault["key"], k["key"]))
        schedule(sb, vault, k)
    return k


def purge(sb: Sandbox, vault: dict, name: str) -> None:
    with sb.store.transaction():
        k = deleted_row(sb, vault, name)
        if models.purge_protected(vault):
            raise errors.KEY_PURGE_PROTECTED()
        _remove(sb, vault["key"], k["key"])


def _remove(sb: Sandbox, vault_key: str, key: str | None = None) -> None:
    where, args = ("vault = ? AND key = ?", (vault_key, key)) if key else ("vault = ?", (vault_key,))
    sb.store.execute(f"DELETE FROM kv_key_versions WHERE {where}", args)
    sb.store.execute(f"DELETE FROM kv_keys WHERE {where}", args)


models.PURGE_HOOKS.append(_remove)


@registry.resource_exists("Microsoft.KeyVault", "vaults/keys")
def _key_exists(sb: Sandbox, subscription_id: str, group: str, names: list[str]) -> bool:
    """A key is an ARM resource too (Microsoft.KeyVault/vaults/keys) while it is live."""
    vault = models.live_in_group(sb, subscription_id, group, names[0])
    r = name_row(sb, vault, names[1]) if vault else None
    return r is not None and r["deleted"] is None


@registry.ticker
def _purge_due(sb: Sandbox, now: float) -> None:
    """Deleted keys whose retention is over are purged by the service."""
    due = sb.store.all("SELECT vault, key FROM kv_keys WHERE purge_at <= ?", (now,))
    if due:
        with sb.store.transaction():
            for k in due:
                _remove(sb, k["vault"], k["key"])
