"""Routing per plane (moto's `urls.py`): each provider registers its operations on the plane's
router with the RBAC action they need and the api-versions the real service accepts.

Patterns use `{name}` for one path segment and match case-insensitively, since ARM paths arrive
as `resourcegroups` or `resourceGroups` alike. A trailing slash is ignored (`GET /keys/{n}/`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .errors import AzureError


@dataclass
class Route:
    method: str
    regex: re.Pattern
    handler: Callable
    action: str | Callable | None      # RBAC action (ARM); callable(req, params) → action; None = handler authorises
    scope: Callable | None             # callable(req, params) → scope; None = the request path
    api_versions: frozenset | None     # None = any
    version_error: Callable | None     # callable(req, route) → AzureError for an unknown api-version
    name: str


class Router:
    def __init__(self, plane: str):
        self.plane = plane
        self.routes: list[Route] = []

    def route(self, method: str, pattern: str, *, action: str | Callable | None = None,
              scope: Callable | None = None, api_versions: Iterable[str] | None = None,
              version_error: Callable | None = None, name: str | None = None):
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/")) + "$",
                           re.IGNORECASE)

        def register(handler):
            self.routes.append(Route(method.upper(), regex, handler, action, scope,
                                     frozenset(api_versions) if api_versions else None,
                                     version_error, name or handler.__name__))
            return handler
        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path = path.rstrip("/") or "/"
        allowed = []
        for route in self.routes:
            m = route.regex.match(path)
            if m:
                if route.method == method.upper():
                    return route, m.groupdict()
                allowed.append(route.method)
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
