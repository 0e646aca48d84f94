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
        """Move the clock forward by an ISO-8601 duration; returns the new sandbox time."""
        with self.store.transaction():
            current = self.now()
            target = add_duration(current, duration)
            self.store.execute("INSERT INTO clock (id, offset) VALUES (1, ?) "
                               "ON CONFLICT(id) DO UPDATE SET offset = excluded.offset",
                               (self.offset() + target - current,))
        return target


CLOCK_SCHEMA = "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), offset REAL NOT NULL)"


def parse_duration(text: str) -> dict[str, float]:
    m = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as P7D, P6M or PT2H")
    return {k: float(v) for k, v in m.groupdict().items() if v}


def add_duration(epoch: float, duration: str) -> float:
    """epoch + duration, with years and months added on the calendar (P6M from 31 Jan is 31 Jul)."""
    parts = parse_duration(duration)
    dt = datetime.fromtimestamp(epoch, timezone.utc)
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    if months:
        year, month = divmod(dt.month - 1 + months, 12)
        year += dt.year
        day = min(dt.day, calendar.monthrange(year, month + 1)[1])
        dt = dt.replace(year=year, month=month + 1, day=day)
    seconds = (parts.get("weeks", 0) * 7 + parts.get("days", 0)) * 86400 \
        + parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60 + parts.get("seconds", 0)
    return dt.timestamp() + seconds


def duration_days(duration: str) -> float:
    """Length of a duration in days, counting from now (months on the calendar)."""
    start = time.time()
    return (add_duration(start, duration) - start) / 86400


def iso(epoch: float) -> str:
    """ARM's timestamp format: 2025-01-01T12:00:00.1234567Z."""
    dt = datetime.fromtimestamp(epoch, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"
