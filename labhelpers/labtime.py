"""The lab's clock. In the sandbox, time is the sandbox's clock, which `advance_clock` moves forward
(the sandbox's rotation policies, expiries and retention run on it); on Azure it is the world's."""
from __future__ import annotations

from datetime import datetime, timezone

from . import connection

AZURE_SKIPPED = """Skipped: this is a real subscription, where time is the world's. Key Vault's rotation
policy will act here too, 6 months after the key's latest version was made, and each version it makes
expires 210 days after its creation; the sandbox lets you watch that happen now."""


def _sandbox():
    from .sandbox.context import Sandbox
    return Sandbox(connection.sandbox_state_dir())


def lab_now(s) -> datetime:
    """Now, for the lab: the sandbox clock (which may have been moved forward) or, on Azure, real time."""
    if s.mode != "sandbox":
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(_sandbox().clock.now(), timezone.utc)


def advance_clock(s, duration: str) -> datetime | None:
    """Move the sandbox clock forward by an ISO-8601 duration (P6M, P30D) and return the new time. The
    sandbox acts on it at its next request (a rotation that fell due is then made, dated when it was
    due). On Azure: nothing is moved, the reason is printed, and None is returned."""
    if s.mode != "sandbox":
        print(AZURE_SKIPPED)
        return None
    before = lab_now(s)
    after = datetime.fromtimestamp(_sandbox().clock.advance(duration), timezone.utc)
    print(f"sandbox time: {before:%Y-%m-%d} -> {after:%Y-%m-%d} ({(after - before).days} days on)")
    return after
