"""Routing: every declared route is reachable (a request for its own path reaches it, whatever else is
registered), a fixed segment wins over a placeholder whatever the order of registration, and a route
that another one already answers entirely is refused when it is registered."""
from __future__ import annotations

import pytest

import labhelpers.sandbox.providers  # noqa: F401  (registers every route)
from labhelpers.sandbox.http import Response
from labhelpers.sandbox.routing import ARM, COGNITIVE, GRAPH, KEYVAULT, NotFoundRoute, Router

ROUTERS = (ARM, KEYVAULT, COGNITIVE, GRAPH)


def _handler(sb, req, **params) -> Response:
    return Response(200)


@pytest.mark.parametrize("router", ROUTERS, ids=lambda r: r.plane)
def test_every_declared_route_is_reachable(router):
    assert router.routes
    for route in router.routes:
        found, params = router.match(route.method, route.example_path())
        assert (found.method, found.pattern) == (route.method, route.pattern)
        assert sorted(params) == sorted(route.regex.groupindex)


def test_a_fixed_segment_wins_over_a_placeholder_in_any_order():
    router = Router("test")
    router.route("GET", "/keys/{name}/{version}", name="KeyGet")(_handler)
    router.route("GET", "/keys/{name}/versions", name="KeyListVersions")(_handler)
    assert router.match("GET", "/keys/k/versions")[0].name == "KeyListVersions"
    assert router.match("GET", "/keys/k/0123")[0].name == "KeyGet"
    assert router.match("GET", "/KEYS/k/Versions/")[0].name == "KeyListVersions"


def test_a_shadowed_route_is_refused():
    router = Router("test")
    router.route("GET", "/keys/{name}", name="KeyGet")(_handler)
    with pytest.raises(ValueError, match="already answered by /keys/{name}"):
        router.route("GET", "/Keys/{other}/", name="Again")(_handler)
    router.route("PATCH", "/keys/{name}", name="KeyUpdate")(_handler)       # another method is another route


def test_a_known_path_with_another_method_is_405():
    from labhelpers.sandbox.errors import AzureError
    router = Router("test")
    router.route("GET", "/keys/{name}", name="KeyGet")(_handler)
    with pytest.raises(AzureError) as err:
        router.match("PUT", "/keys/k")
    assert err.value.status == 405


def test_a_scope_spans_any_number_of_segments_or_none():
    route, params = ARM.match("GET", "/providers/Microsoft.Authorization/roleDefinitions")
    assert route.name == "list_role_definitions" and params == {"scope": ""}
    route, params = ARM.match("GET", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/"
                                     "roleAssignments/a")
    assert route.name == "get_role_assignment" and params == {"scope": "/subscriptions/s/resourceGroups/g",
                                                              "roleAssignmentName": "a"}


def test_a_pattern_is_literal_text_not_a_regex():
    with pytest.raises(ValueError, match="not a regex"):
        Router("test").route("GET", r"/v1\.0/me")
    router = Router("test")
    router.route("GET", "/v1.0/sp(appId='{appId}')", name="ByAppId")(_handler)
    assert router.match("GET", "/v1.0/sp(appId='a-b')")[1] == {"appId": "a-b"}
    with pytest.raises(NotFoundRoute):
        router.match("GET", "/v1x0/sp(appId='a-b')")                # '.' is a dot, not any character
