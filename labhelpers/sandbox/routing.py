"""Routing per plane (moto's `urls.py`): each provider registers its operations on the plane's
router with the RBAC action they need and the api-versions the real service accepts.

Patterns use `{name}` for one path segment, `{name*}` for any number of them with their slashes (an
ARM scope: `{scope*}/providers/Microsoft.Authorization/roleAssignments`), and match case-insensitively,
since ARM paths arrive as `resourcegroups` or `resourceGroups` alike. A trailing slash is ignored (`GET /keys/{n}/`).
When several patterns match a path, the one with a fixed segment where the others have a placeholder
wins (`/keys/{name}/versions` over `/keys/{name}/{version}`), whatever the order of registration;
registering a pattern that another one of the same method already covers entirely is refused."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import AzureError

if TYPE_CHECKING:
    from .http import Request, Response

Handler = Callable[..., "Response"]                    # handler(sb, req, **path_params) -> Response
Action = Callable[["Request", dict[str, str]], str]    # the RBAC action of a request, when it varies
Scope = Callable[["Request", dict[str, str]], str]     # the RBAC scope, when it is not the request path
VersionError = Callable[["Request", "Route"], AzureError]
Attributes = Callable[..., dict[str, str]]             # attributes(sb, req, params) -> ABAC attributes

_PLACEHOLDER = re.compile(r"\{(\w+)(\*?)\}")


def _regex(pattern: str) -> re.Pattern[str]:
    parts, at = [], 0
    for m in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[at:m.start()]))
        parts.append(f"(?P<{m.group(1)}>(?:/.+?)?)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)")
        at = m.end()
    return re.compile("^" + "".join(parts) + re.escape(pattern[at:]) + "$", re.IGNORECASE)


def _segment_rank(segment: str) -> int:
    m = _PLACEHOLDER.fullmatch(segment)
    return 0 if m is None else 2 if m.group(2) else 1


@dataclass
class Route:
    method: str
    pattern: str
    handler: Handler
    action: str | Action | None        # RBAC action (ARM); None = the handler authorises
    scope: Scope | None                # None = the request path
    api_versions: frozenset[str] | None  # None = any
    version_error: VersionError | None   # the answer to an unknown api-version, when not ARM's
    name: str
    attributes: Attributes | None = None  # the request's ABAC attributes for the RBAC check, when it has some
    regex: re.Pattern[str] = field(init=False)
    rank: tuple[int, ...] = field(init=False)    # per segment 0 fixed, 1 placeholder, 2 several: lower wins

    def __post_init__(self) -> None:
        self.pattern = self.pattern.rstrip("/")
        self.regex = _regex(self.pattern)
        self.rank = tuple(_segment_rank(s) for s in self.pattern.split("/"))

    def covers(self, other: Route) -> bool:
        """Every path `other` matches, this route matches too and wins: `other` could never be reached."""
        mine, theirs = self.pattern.split("/"), other.pattern.split("/")
        return self.method == other.method and len(mine) == len(theirs) and all(
            a.lower() == b.lower() or _segment_rank(a) == _segment_rank(b) > 0 for a, b in zip(mine, theirs))

    def example_path(self) -> str:
        """A concrete path this route is meant to answer (each placeholder replaced by its name)."""
        return _PLACEHOLDER.sub(lambda m: ("/" if m.group(2) else "") + f"x-{m.group(1).lower()}", self.pattern) or "/"


class Router:
    def __init__(self, plane: str):
        self.plane = plane
        self.routes: list[Route] = []

    def route(self, method: str, pattern: str, *, action: str | Action | None = None,
              scope: Scope | None = None, api_versions: Iterable[str] | None = None,
              version_error: VersionError | None = None,
              name: str | None = None, attributes: Attributes | None = None) -> Callable[[Handler], Handler]:
        if "\\" in pattern:
            raise ValueError(f"{self.plane}: {pattern}: a pattern is literal text and placeholders, not a regex")

        def register(handler: Handler) -> Handler:
            new = Route(method.upper(), pattern, handler, action, scope,
                        frozenset(api_versions) if api_versions else None, version_error,
                        name or handler.__name__, attributes)
            shadow = next((r for r in self.routes if r.covers(new)), None)
            if shadow is not None:
                raise ValueError(f"{self.plane}: {new.method} {new.pattern} ({new.name}) is already answered by "
                                 f"{shadow.pattern} ({shadow.name})")
            self.routes.append(new)
            return handler
        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path = path.rstrip("/") or "/"
        found: list[tuple[Route, dict[str, str]]] = []
        allowed: list[str] = []
        for route in self.routes:
            m = route.regex.match(path)
            if m:
                if route.method == method.upper():
                    found.append((route, m.groupdict()))
                else:
                    allowed.append(route.method)
        if found:
            return min(found, key=lambda match: match[0].rank)
        if allowed:
            raise AzureError(405, "MethodNotAllowed",
                             f"The requested resource does not support http method '{method.upper()}'.")
        raise NotFoundRoute(path)


class NotFoundRoute(Exception):
    """No route for this path; each plane answers it in its own words."""


ARM = Router("arm")
KEYVAULT = Router("keyvault")
COGNITIVE = Router("cognitive")
GRAPH = Router("graph")
