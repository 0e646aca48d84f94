"""Key rotation: rotation policies with Key Vault's rules (facts §B8), rotations on demand, and the
scheduled ones the sandbox clock runs (each audited as KeyRotateIfDue)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import registry
from ...clock import add_duration, parse_duration
from ...store import dumps, loads, present
from . import audit, crypto, errors, keys, models

if TYPE_CHECKING:
    from ...context import Sandbox

_DEFAULT_NOTIFY = {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}


def rotate(sb: Sandbox, vault: dict, name: str, *, at: float | None = None,
           expect_due: float | None = None) -> dict | None:
    """A new version like the latest one; with a policy expiryTime it expires that long after creation.
    `expect_due` makes it the scheduled rotation: skipped (None) if another process already did it."""
    latest = keys.version_row(sb, vault, name)
    der = crypto.generate(latest["kty"], latest["size"], latest["crv"])
    with sb.store.transaction():
        k = keys.live_row(sb, vault, name)
        if expect_due is not None and k["next_rotation"] != expect_due:
            return None
        latest = present(keys.latest(sb, vault["key"], k["key"]), name)
        created = sb.clock.now() if at is None else at
        expiry = (loads(k["policy"]) or {}).get("attributes", {}).get("expiryTime")
        attrs = {"enabled": True, "exp": add_duration(created, expiry) if expiry else None}
        v = keys.insert_version(sb, vault, k, latest["kty"], latest["size"], latest["crv"], der,
                                loads(latest["key_ops"]), attrs, loads(latest["tags"]), created)
        keys.schedule(sb, vault, k)
    return v


# ---- rotation policy ------------------------------------------------------------------------------

_LONGEST = "P99Y"


def _days(duration: object, field: str) -> float:
    """`duration` is what the JSON body held (a string, if the request is right)."""
    try:
        parse_duration(str(duration))
    except ValueError:
        raise errors.DURATION_INVALID(duration=duration, field=field) from None
    try:
        seconds = add_duration(0, str(duration))
    except ValueError:                                   # past year 9999 even from 1970 (P99999Y)
        seconds = float("inf")
    if seconds > add_duration(0, _LONGEST):
        raise errors.DURATION_TOO_LONG(duration=duration, field=field, longest=_LONGEST)
    return seconds / 86400


def _object(value: object, name: str) -> dict:
    """A part of the policy the spec types as an object (LifetimeAction, its trigger and action)."""
    if not isinstance(value, dict):
        raise errors.PROPERTY_INVALID(name=name)
    return value


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
    for i, a in enumerate(actions):
        where = f"lifetimeActions[{i}]"
        a = _object(a, where)
        action, trigger = _object(a.get("action") or {}, f"{where}.action"), _object(a.get("trigger") or {},
                                                                                    f"{where}.trigger")
        if not isinstance(action.get("type", ""), str):
            raise errors.PROPERTY_INVALID(name=f"{where}.action.type")
        kind = action.get("type", "").lower()
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


def set_policy(sb: Sandbox, vault: dict, name: str, body: dict) -> None:
    policy = validate_policy(body)
    with sb.store.transaction():
        k = keys.live_row(sb, vault, name)
        now = sb.clock.now()
        sb.store.execute("UPDATE kv_keys SET policy = ?, policy_created = COALESCE(policy_created, ?), "
                         "policy_updated = ? WHERE vault = ? AND key = ?",
                         (dumps(policy), now, now, vault["key"], k["key"]))
        keys.schedule(sb, vault, k)


def policy(sb: Sandbox, vault: dict, name: str) -> tuple[dict, dict]:
    """(the key's row, its policy: the default one while none was set)."""
    k = keys.live_row(sb, vault, name)
    return k, loads(k["policy"]) or {"lifetimeActions": [dict(_DEFAULT_NOTIFY)], "attributes": {}}


# ---- the sandbox clock ----------------------------------------------------------------------------

# Azure rotates a key once at each due time, the new version created then ("automatically generate a new
# key version at a specified frequency": key-vault/keys/how-to-configure-key-rotation.md). Its clock never
# jumps; the sandbox's does (`advance`), so catching up is bounded, and these bounds are ours
# (docs/key-vault.md): a key gets a version for at most its last CATCH_UP due times (older ones are passed
# over, unaudited), and one request makes at most PER_REQUEST versions, the next request going on.
CATCH_UP = 12
PER_REQUEST = 12


def _pass_over(sb: Sandbox, vault: dict, k: dict, now: float) -> float | None:
    """The key's due time once those before its last CATCH_UP due times are passed over (saved only if
    no other process moved it meanwhile): the next due time to rotate at."""
    policy, due = loads(k["policy"]) or {}, k["next_rotation"]
    expiry = policy.get("attributes", {}).get("expiryTime")

    def after(t: float) -> float | None:          # a version rotated in at t: when is it due?
        return keys.due_after(policy, t, add_duration(t, expiry) if expiry else None)
    step = (after(due) or now) - due
    if step <= 0 or (now - due) / step <= CATCH_UP:
        return due
    t: float | None = due + (int((now - due) / step) - CATCH_UP) * step     # whole steps: calendar drift
    recent: list[float] = []                                                   # stays in the skipped part
    while t is not None and t <= now:
        recent = [*recent[-(CATCH_UP - 1):], t]
        t = after(t)
    with sb.store.transaction():
        moved = sb.store.execute("UPDATE kv_keys SET next_rotation = ? WHERE vault = ? AND key = ? AND "
                                 "next_rotation = ?", (recent[0], k["vault"], k["key"], due)).rowcount
    return recent[0] if moved else None


@registry.ticker
def _on_clock(sb: Sandbox, now: float) -> bool:
    """Scheduled rotations, each one audited as KeyRotateIfDue at the time it was due; True when more
    were due than one request makes."""
    budget = PER_REQUEST
    for k in sb.store.all("SELECT k.* FROM kv_keys k JOIN kv_vaults v ON v.key = k.vault WHERE k.next_rotation "
                          "<= ? AND k.deleted IS NULL AND v.deleted IS NULL ORDER BY k.next_rotation", (now,)):
        vault = present(models.row(sb, k["vault"]), k["vault"])
        due = _pass_over(sb, vault, k, now)
        while due is not None and due <= now:
            if budget == 0:
                return True
            budget -= 1
            v = rotate(sb, vault, k["name"], at=due, expect_due=due)
            if v is None:
                break
            audit.record_service(sb, vault, "KeyRotateIfDue", keys.key_url(vault, k["name"], v["version"]), due)
            due = present(keys.name_row(sb, vault, k["name"]), k["name"])["next_rotation"]
    return False
