"""What providers plug into the platform besides routes: their SQLite schema, what they seed in a
new sandbox, what runs when the sandbox clock moves, what a resource-group delete must remove,
which data-plane host names exist (a host that does not exist is refused, as DNS would), which
ARM resources exist (for scopes of role assignments) and which tracked resources ARM's generic
`GET …/resources` lists."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

SCHEMAS: list[str] = []                       # CREATE TABLE IF NOT EXISTS … statements
SEEDERS: list[Callable] = []                  # fn(sb) once, when a state dir is new
TICKERS: list[Callable] = []                  # fn(sb, now) before each request: act on due events
GROUP_DELETERS: list[Callable] = []           # fn(sb, caller, subscription_id, group_name)
HOSTS: dict[str, Callable] = {}               # plane → fn(sb, label) -> bool (does the host exist?)
# (namespace, type path), lower case, e.g. ("microsoft.keyvault", "vaults/keys") →
# fn(sb, subscription_id, group, names) -> bool, names = one per type segment (["v", "k"])
RESOURCE_EXISTS: dict[tuple[str, str], Callable] = {}
# fn(sb, subscription_id, group | None) -> [{id, name, type, location, tags, kind?, sku?, identity?}]
RESOURCE_LISTERS: list[Callable] = []


def schema(sql: str) -> None:
    SCHEMAS.append(sql)


def seeder(fn: F) -> F:
    SEEDERS.append(fn)
    return fn


def ticker(fn: F) -> F:
    TICKERS.append(fn)
    return fn


def group_deleter(fn: F) -> F:
    GROUP_DELETERS.append(fn)
    return fn


def host_check(plane: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        HOSTS[plane] = fn
        return fn
    return register


def resource_exists(namespace: str, type_path: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        RESOURCE_EXISTS[(namespace.lower(), type_path.lower())] = fn
        return fn
    return register


def resource_lister(fn: F) -> F:
    RESOURCE_LISTERS.append(fn)
    return fn


OBSERVERS: dict[str, Callable] = {}           # plane → fn(sb, req, resp, duration_ms): after each request


def observer(plane: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        OBSERVERS[plane] = fn
        return fn
    return register
