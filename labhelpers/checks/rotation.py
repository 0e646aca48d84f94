"""The checks of 07-rotate-the-key: the resource uses the key's newest version, older versions stay enabled;
and, with the sandbox clock six months on, the policy has made a version the resource does not use yet."""
from __future__ import annotations

from datetime import datetime, timezone

from .. import labtime
from ..keyaudit import key_audit
from .core import Line, steps_of
from .lookups import cmk_in_use, policy_lines

NOTEBOOK = "07-rotate-the-key"
step = steps_of(NOTEBOOK)


@step("07-rotated", "Rotated key", "the Foundry resource uses the key's newest version; older versions stay "
                                   "enabled; the policy still rotates every 6 months")
def rotated(s):
    found = cmk_in_use(s)
    if isinstance(found, Line):
        yield found
        return
    keys, kvp, latest = found.keys, found.kvp, found.latest
    older = [v for v in keys.list_properties_of_key_versions(s.key_name) if v.version != latest]
    yield Line(bool(older), "versions", f"{len(older) + 1}", "rotate the key: run the rotate cell above")
    current = kvp.key_version == latest
    yield Line(current, "key version in use", f"{kvp.key_version or 'none'}" + (" (the latest)" if current else
                                                                                 " (an older one)"),
               "the resource still names an older version: run the update cell above")
    disabled = [v.version or "" for v in older if not v.enabled]
    yield Line(not disabled, "older versions", f"disabled: {', '.join(disabled)}" if disabled
               else f"{len(older)}, all enabled",
               "enable them (keys.update_key_properties(key_name, version, enabled=True)): what they wrapped "
               "can only be unwrapped with them")
    yield from policy_lines(keys, s, "run 02-generate-key again")


@step("07-six-months-on", "Six months on", "the policy made a new version; the resource still names the older one, "
                                           "which is still valid", moment=True)
def six_months_on(s):
    if s.mode != "sandbox":
        yield Line(True, "sandbox clock", "not moved: on Azure time is real, so this section runs in the sandbox only")
        return
    found = cmk_in_use(s)
    if isinstance(found, Line):
        yield found
        return
    kvp, latest = found.kvp, found.latest
    made = [r for r in key_audit(s, since=datetime.fromtimestamp(0, timezone.utc))
            if r.operation == "KeyRotateIfDue" and r.key == f"{s.key_name}/{latest}"]
    yield Line(bool(made), "policy rotation",
               f"KeyRotateIfDue made version {latest[:8]}… on {made[-1].time[:10]}"
               if made else "the latest version was not made by the policy",
               "move the clock on: run the advance cell above (the policy rotates 6 months after the latest version)")
    behind = kvp.key_version != latest
    yield Line(behind, "version in use", f"{kvp.key_version[:8]}…, older than the latest" if behind
               else "the latest: the resource is not behind", "run the advance cell above, not the update cell")
    in_use = found.in_use()
    now = labtime.lab_now(s)
    if in_use.expires_on is None:
        yield Line(False, "its expiry", "none", "run this notebook from the top: the rotate cell makes a version "
                                                "with the policy's 210-day expiry")
        return
    left = (in_use.expires_on - now).days
    yield Line(left >= 0, "its expiry", f"{in_use.expires_on:%Y-%m-%d}: {left} days left" if left >= 0
               else f"expired on {in_use.expires_on:%Y-%m-%d}", "move the resource to the latest version (the update "
                                                                "cell), then run this notebook from the top")
