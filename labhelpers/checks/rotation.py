"""The check of 07-rotate-the-key: the resource uses the key's newest version, older versions stay enabled."""
from __future__ import annotations

from .core import Line, steps_of
from .lookups import NOT_CMK, cmk_account, key_client, policy_lines

NOTEBOOK = "07-rotate-the-key"
step = steps_of(NOTEBOOK)


@step("07-rotated", "Rotated key", "the Foundry resource uses the key's newest version; older versions stay "
                                   "enabled; the policy still rotates every 6 months")
def rotated(s):
    found = cmk_account(s, NOT_CMK)
    if isinstance(found, Line):
        yield found
        return
    _, vault, kvp = found
    keys = key_client(vault, s)
    latest = keys.get_key(s.key_name).properties.version
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
