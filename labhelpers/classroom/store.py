"""The progress service's state: each learner's latest result of each check, in SQLite (it survives a
restart of the service or the hub; several handlers may write at once)."""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from .records import Progress

SCHEMA = """CREATE TABLE IF NOT EXISTS progress (
  user TEXT NOT NULL, check_name TEXT NOT NULL, checked_at REAL NOT NULL, record TEXT NOT NULL,
  runs INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (user, check_name))"""


class ProgressStore:
    def __init__(self, path: Path | str):
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)
        self._lock = threading.Lock()
        self.version = 0              # bumped on every change: the board's live view polls it

    def put(self, record: Progress) -> None:
        """Keep the newest result per learner and check (a report that arrives late loses)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO progress (user, check_name, checked_at, record) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user, check_name) DO UPDATE SET runs = runs + 1, "
                "record = CASE WHEN excluded.checked_at >= checked_at THEN excluded.record ELSE record END, "
                "checked_at = MAX(checked_at, excluded.checked_at)",
                (record.user, record.check, record.checked_at, json.dumps(record.as_dict())))
            self.version += 1

    def records(self, user: str | None = None) -> list[Progress]:
        query, args = "SELECT record FROM progress", tuple[str, ...]()
        if user is not None:
            query, args = query + " WHERE user = ?", (user,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY user, check_name", args).fetchall()
        return [Progress.from_dict(json.loads(row[0])) for row in rows]

    def close(self) -> None:
        self._db.close()
