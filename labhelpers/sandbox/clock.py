"""The sandbox clock: wall time plus an offset kept in SQLite, so `advance P6M` moves every
process that shares the state dir at once. Retention, rotation and key expiry run on it; token
lifetimes do not (clients cache tokens by the wall clock)."""
from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, timezone

from .store import Store

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$")


class Clock:
    def __init__(self, store: Store):
        self.store = store

    def offset(self) -> float:
        row = self.store.one("SELECT offset FROM clock WHERE id = 1")
        return row["offset"] if row else 0.0

    def now(self) -> float:
        return time.time() + self.offset()

    def advance(self, duration: str) -> float:
        """Move the clock forward by an ISO-8601 duration; returns the new sandbox time. What Azure's
        dates could not hold is refused before anything is saved."""
        with self.store.transaction():
            current = self.now()
            target = add_duration(current, duration)
            if target - current > MAX_ADVANCE_DAYS * 86400:
                raise ValueError(f"'{duration}' moves the sandbox clock more than {MAX_ADVANCE_DAYS // 365} "
                                 "years at once; the lab needs days or months (P7D, P6M): use a shorter duration.")
            if target >= LAST_DAY:
                raise ValueError(f"'{duration}' would move the sandbox clock past {iso(LAST_DAY)[:10]} (Azure's "
                                 f"dates end in year 9999, and keys need room for their expiry); it is now "
                                 f"{iso(current)[:10]}: use a shorter duration.")
            self.store.execute("INSERT INTO clock (id, offset) VALUES (1, ?) "
                               "ON CONFLICT(id) DO UPDATE SET offset = excluded.offset",
                               (self.offset() + target - current,))
        return target


# Ours: Azure has no clock to move. Dates on Azure's wire end at 9999-12-31; the clock stops a century
# short of it so that expiry and rotation times computed from it (P2Y, P1Y...) still fit.
LAST_DAY = datetime(9900, 1, 1, tzinfo=timezone.utc).timestamp()
MAX_ADVANCE_DAYS = 100 * 365

CLOCK_SCHEMA = "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), offset REAL NOT NULL)"


def parse_duration(text: str) -> dict[str, float]:
    m = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as P7D, P6M or PT2H")
    return {k: float(v) for k, v in m.groupdict().items() if v}


def add_duration(epoch: float, duration: str) -> float:
    """epoch + duration, with years and months added on the calendar (P6M from 31 Jan is 31 Jul).
    A sum past year 9999 is a ValueError that says so (never an OverflowError)."""
    parts = parse_duration(duration)
    try:
        dt = datetime.fromtimestamp(epoch, timezone.utc)
        months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
        if months:
            year, month = divmod(dt.month - 1 + months, 12)
            year += dt.year
            day = min(dt.day, calendar.monthrange(year, month + 1)[1])
            dt = dt.replace(year=year, month=month + 1, day=day)
        seconds = (parts.get("weeks", 0) * 7 + parts.get("days", 0)) * 86400 \
            + parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60 + parts.get("seconds", 0)
        target = dt.timestamp() + seconds
        datetime.fromtimestamp(target, timezone.utc)          # representable as a date at all
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"'{duration}' goes past year 9999, the last year Azure's dates can hold") from None
    return target


def iso(epoch: float) -> str:
    """ARM's timestamp format: 2025-01-01T12:00:00.1234567Z."""
    dt = datetime.fromtimestamp(epoch, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"
