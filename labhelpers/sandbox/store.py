"""Sandbox state in SQLite: WAL so several processes (server, CLI, kernels) share it, and every
write is one transaction so a kill -9 never leaves half a resource behind."""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from .files import create_private

T = TypeVar("T")


class StateDamaged(Exception):
    """The state database cannot be read (not SQLite, or corrupt): one line saying what to do."""

    def __init__(self, path: str, exc: Exception):
        folder = Path(path).parent
        super().__init__(f"The sandbox state in {folder} is damaged ({Path(path).name}: {exc}). Stop the sandbox "
                         f"(python -m labhelpers.sandbox stop --state {folder}), move the folder aside "
                         f"(mv {folder} {folder}.damaged) and run 00-setup again: it starts a fresh, empty sandbox.")


def damage(path: str, exc: Exception) -> StateDamaged | None:
    """StateDamaged for sqlite's 'not a database' / 'malformed' errors (not for locks or bad SQL)."""
    return StateDamaged(path, exc) if type(exc) is sqlite3.DatabaseError else None


class Store:
    def __init__(self, path: Path | str):
        create_private(Path(path))     # its WAL and -shm files take this mode too
        self.path = str(path)
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = _dict_row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            self._local.depth = 0
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE); nested calls join the outer one."""
        conn = self._conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            self._local.depth = 0

    def execute(self, sql: str, args: tuple | dict = ()) -> sqlite3.Cursor:
        return self._conn().execute(sql, args)

    def executescript(self, sql: str) -> None:
        self._conn().executescript(sql)

    def one(self, sql: str, args: tuple | dict = ()) -> dict | None:
        return self._conn().execute(sql, args).fetchone()

    def all(self, sql: str, args: tuple | dict = ()) -> list[dict]:
        return self._conn().execute(sql, args).fetchall()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict:
    return {col[0]: value for col, value in zip(cursor.description, row)}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def present(found: T | None, what: str) -> T:
    """What the caller has just written, or checked is there, within one transaction: its absence is the
    sandbox's own bug (a 500 from app.py), never an answer of Azure's."""
    if found is None:
        raise LookupError(f"{what} is missing where it was just written or checked")
    return found
