"""One sandbox = one state dir: its SQLite store, clock, tenant, subscriptions and learner.
Handlers receive it as `sb`."""
from __future__ import annotations

import secrets
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import directory, registry
from .clock import CLOCK_SCHEMA, Clock
from .files import private_dir
from .store import Store, damage
from .tokens import TokenService

registry.schema(CLOCK_SCHEMA)
registry.schema("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
registry.schema("""
CREATE TABLE IF NOT EXISTS subscriptions (
  subscription_id TEXT PRIMARY KEY,
  display_name    TEXT NOT NULL,
  state           TEXT NOT NULL,
  learner_role    TEXT NOT NULL      -- the built-in role the learner holds there (seeded by authorization)
)""")

# The subscriptions of a new sandbox: one to do the lab in, one where the learner may only read,
# so the lab can show what "you need Owner" looks like.
SUBSCRIPTIONS = [("CMK Lab Subscription", "Owner"), ("Read-only Subscription", "Reader")]


@dataclass
class Config:
    rbac_delay: float = 0.0            # seconds before a new role assignment takes effect
    accept_newer_api_versions: bool = False  # also serve date api-versions newer than the table
    timing: str = "fast"               # fast | azure (timing.py: Azure's long operations and delays)
    time_scale: float = 1.0            # multiplies Azure's durations under the azure profile


class Sandbox:
    def __init__(self, state_dir: Path | str, config: Config | None = None):
        self.state_dir = private_dir(Path(state_dir))
        self.config = config or Config()
        self.store = Store(self.state_dir / "sandbox.db")
        self.clock = Clock(self.store)
        self._last_tick = float("-inf")
        self._ticking = threading.Lock()
        self._import_providers()
        try:
            with self.store.transaction():
                for sql in registry.SCHEMAS:
                    for statement in filter(str.strip, sql.split(";")):
                        self.store.execute(statement)
            self._seed()
        except sqlite3.DatabaseError as exc:
            raise damage(self.store.path, exc) or exc
        self.tokens = TokenService(self.state_dir, self.tenant_id)

    @staticmethod
    def _import_providers() -> None:
        from . import providers, timing  # noqa: F401  (registers routes, schemas, seeders)

    def meta(self, key: str) -> str | None:
        row = self.store.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def _seed(self) -> None:
        with self.store.transaction():
            if self.meta("tenant_id"):
                return
            tenant = str(uuid.uuid4())
            for key, value in (("tenant_id", tenant), ("identity_header", secrets.token_urlsafe(24))):
                self.store.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
            learner = directory.add_user(self, "Lab Learner", f"learner@{directory.TENANT_DOMAIN}")
            self.store.execute("INSERT INTO meta VALUES ('learner_object_id', ?)", (learner.object_id,))
            for name, role in SUBSCRIPTIONS:
                self.store.execute("INSERT INTO subscriptions VALUES (?,?,?,?)",
                                   (str(uuid.uuid4()), name, "Enabled", role))
            for seed in registry.SEEDERS:
                seed(self)

    def _seeded(self, key: str) -> str:
        value = self.meta(key)
        if value is None:
            raise LookupError(f"the sandbox in {self.state_dir} has no {key}: it was never seeded")
        return value

    @property
    def tenant_id(self) -> str:
        return self._seeded("tenant_id")

    @property
    def learner(self) -> directory.Principal:
        learner = directory.get(self, self._seeded("learner_object_id"))
        if learner is None:
            raise LookupError(f"the sandbox in {self.state_dir} has lost its learner")
        return learner

    def subscriptions(self) -> list[dict]:
        return self.store.all("SELECT * FROM subscriptions ORDER BY rowid")

    def subscription(self, subscription_id: str) -> dict | None:
        return self.store.one("SELECT * FROM subscriptions WHERE subscription_id = ? COLLATE NOCASE",
                              (subscription_id,))

    @property
    def main_subscription_id(self) -> str:
        return self.subscriptions()[0]["subscription_id"]

    def tick(self) -> None:
        """Let what is due on the sandbox clock happen (rotations, purges) before a request: at once
        after the clock was advanced, otherwise at most once a second. One request does it while the
        others go on; a ticker that returns True had more due than one request may do (a long
        advance), and the next request carries on."""
        now = self.clock.now()
        if 0 <= now - self._last_tick < 1 or not self._ticking.acquire(blocking=False):
            return
        try:
            self._last_tick = now
            if any([fn(self, now) for fn in registry.TICKERS]):
                self._last_tick = float("-inf")
        finally:
            self._ticking.release()
