"""Key rotation: rotation policies with Key Vault's rules (facts §B8), rotations on demand, and the
scheduled ones the sandbox clock runs (each audited as KeyRotateIfDue)."""
from __future__ import annotations

from ... import registry
from ...clock import add_duration, parse_duration
from ...store import dumps, loads
from . import audit, crypto, errors, keys, models

_DEFAULT_NOTIFY = {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}


def rotate(sb, vault: dict, name: str, *, at: float | None = None, expect_due: float | None = None) -> dict | None:
    """A new version like the latest one; with a policy expiryTime it expires that long after creation.
    `expect_due` makes it the scheduled rotation: skipped (None) if another process already did it."""
    latest = keys.version_row(sb, vault, name)
    der = crypto.generate(latest["kty"], latest["size"], latest["crv"])
    with sb.store.transaction():
        k = keys.live_row(sb, vault, name)
        if expect_due is not None and k["next_rotation"] != expect_due:
            return None
        latest = keys.latest(sb, vault["key"], k["key"])
        created = sb.clock.now() if at is None else at
        expiry = (loads(k["policy"]) or {}).get("attributes", {}).get("expiryTime")
        attrs = {"enabled": True, "exp": add_duration(created, expiry) if expiry else None}
        v = keys.insert_version(sb, vault, k, latest["kty"], latest["size"], latest["crv"], der,
                                loads(latest["key_ops"]), attrs, loads(latest["tags"]), created)
        keys.schedule(sb, vault, k)
    return v


# ---- rotation policy ------------------------------------------------------------------------------

def _days(duration: str, field: str) -> float:
    try:
        parse_duration(duration)
    except ValueError:
        raise errors.DURATION_INVALID(duration=duration, field=field)
    return (add_duration(0, duration)) / 86400


def validate_policy(body: dict) -> dict:
    """The policy as stored, with Key Vault's rules (facts §B8): expiryTime ≥ 28 days; Rotate triggers
    ≥ 7 days after creation and ≥ 7 days before expiry; timeAfterCreate for Rotate only;
    timeBeforeExpiry needs expiryTime; the default Notify action is added when none is given."""
    actions = body.get("lifetimeActions") or []
    attrs = body.get("attributes") or {}
    if not isinstance(actions, list) or not isinstance(attrs, dict):
        raise errors.POLICY_NOT_OBJECTS()
    expiry = attrs.get("expiryTime")
    expiry_days = None
    if expiry is not None:
        expiry_days = _days(expiry, "expiryTime")
        if expiry_days < 28:
            raise errors.POLICY_EXPIRY_TOO_SHORT(expiry=expiry)
    seen, stored = set(), []
    for a in actions:
        kind = str(((a or {}).get("action") or {}).get("type", "")).lower()
        trigger = (a or {}).get("trigger") or {}
        if kind not in ("rotate", "notify"):
            raise errors.LIFETIME_ACTION_INVALID(kind=kind)
        if kind in seen:
            raise errors.LIFETIME_ACTION_TWICE(kind=kind.capitalize())
        seen.add(kind)
        after, before = trigger.get("timeAfterCreate"), trigger.get("timeBeforeExpiry")
        if (after is None) == (before is None):
            raise errors.TRIGGER_NOT_ONE()
        if after is not None:
            if kind == "notify":
                raise errors.TIME_AFTER_CREATE_NOT_FOR_NOTIFY()
            days = _days(after, "timeAfterCreate")
            if days < 7:
                raise errors.ROTATION_TOO_SOON(after=after)
            if expiry_days is not None and days > expiry_days - 7:
                raise errors.ROTATION_TOO_CLOSE_TO_EXPIRY(after=after, expiry=expiry)
            trigger = {"timeAfterCreate": after}
        else:
            if expiry_days is None:
                raise errors.TIME_BEFORE_EXPIRY_NEEDS_EXPIRY()
            days = _days(before, "timeBeforeExpiry")
            if days < 7 or days > expiry_days - 7:
                raise errors.TIME_BEFORE_EXPIRY_OUT_OF_RANGE(before=before, expiry=expiry)
            trigger = {"timeBeforeExpiry": before}
        stored.append({"trigger": trigger, "action": {"type": "Rotate" if kind == "rotate" else "Notify"}})
    if "notify" not in seen:      # the service adds it (facts §B8, azure-sdk-for-js recordings)
        stored.append(dict(_DEFAULT_NOTIFY))
    return {"lifetimeActions": stored, "attributes": {"expiryTime": expiry} if expiry else {}}


def set_policy(sb, vault: dict, name: str, body: dict) -> None:
    policy = validate_policy(body)
    with sb.store.transaction():
        k = keys.live_row(sb, vault, name)
        now = sb.clock.now()
        sb.store.execute("UPDATE kv_keys SET policy = ?, policy_created = COALESCE(policy_created, ?), "
                         "policy_updated = ? WHERE vault = ? AND key = ?",
                         (dumps(policy), now, now, vault["key"], k["key"]))
        keys.schedule(sb, vault, k)


def policy(sb, vault: dict, name: str) -> tuple[dict, dict]:
    """(the key's row, its policy: the default one while none was set)."""
    k = keys.live_row(sb, vault, name)
    return k, loads(k["policy"]) or {"lifetimeActions": [dict(_DEFAULT_NOTIFY)], "attributes": {}}


# ---- the sandbox clock ----------------------------------------------------------------------------

@registry.ticker
def _on_clock(sb, now: float) -> None:
    """Scheduled rotations, each one audited as KeyRotateIfDue at the time it was due."""
    for k in sb.store.all("SELECT k.* FROM kv_keys k JOIN kv_vaults v ON v.key = k.vault "
                          "WHERE k.next_rotation <= ? AND k.deleted IS NULL AND v.deleted IS NULL", (now,)):
        vault = models.row(sb, k["vault"])
        due = k["next_rotation"]
        while due is not None and due <= now:
            v = rotate(sb, vault, k["name"], at=due, expect_due=due)
            if v is None:
                break
            audit.record_service(sb, vault, "KeyRotateIfDue", keys.key_url(vault, k["name"], v["version"]), due)
            due = keys.name_row(sb, vault, k["name"])["next_rotation"]
