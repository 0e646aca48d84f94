"""Validation before state: what a body cannot hold is Azure's 400 before anything is stored, and a
request that fails half-way (a refusal or a bug) changes nothing."""
from __future__ import annotations

import json
import logging

import requests

from helpers import ARM, KEY_VAULT_ADMINISTRATOR, arm_token, grant, key_client, make_vault, unique
from labhelpers.sandbox import app
from labhelpers.sandbox.http import Request
from labhelpers.sandbox.routing import ARM as ARM_ROUTER


def put_group(sandbox, name: str, body: bytes) -> requests.Response:
    return requests.put(f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups/{name}?api-version=2025-04-01",
                        data=body, headers={"Authorization": f"Bearer {arm_token(sandbox)}",
                                            "Content-Type": "application/json"})


def get_group(sandbox, name: str) -> int:
    return requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups/{name}?api-version=2025-04-01",
                        headers={"Authorization": f"Bearer {arm_token(sandbox)}"}).status_code


BODIES = {
    "Infinity": b'{"location": "eastus", "tags": {"a": "b"}, "properties": {"x": Infinity}}',
    "-Infinity": b'{"location": "eastus", "properties": {"x": -Infinity}}',
    "NaN": b'{"location": "eastus", "properties": {"x": NaN}}',
    "2^63": b'{"location": "eastus", "managedBy": 9223372036854775808}',
    "lone surrogate": b'{"location": "eastus", "tags": {"a": "\\ud800"}}',
    "1000 deep": b'{"location": "eastus", "properties": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    "65 deep": b'{"location": "eastus", "properties": ' + b"[" * 64 + b"]" * 64 + b"}",
}


def test_bodies_no_azure_reader_can_hold_are_400_and_store_nothing(sandbox):
    for what, body in BODIES.items():
        name = unique("rg-bad-")
        r = put_group(sandbox, name, body)
        assert r.status_code == 400, (what, r.status_code, r.text)
        assert r.json()["error"]["code"] == "InvalidRequestContent", what
        assert get_group(sandbox, name) == 404, what
    ok = unique("rg-ok-")
    assert put_group(sandbox, ok, b'{"location": "eastus", "properties": ' + b"[" * 60 + b"]" * 60 + b"}"
                     ).status_code in (200, 201)


def test_top_of_a_superscript_two_is_400(sandbox):
    r = requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/resources?api-version=2025-04-01&$top=²",
                     headers={"Authorization": f"Bearer {arm_token(sandbox)}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidParameter"


def test_a_key_with_exp_infinity_is_refused_and_the_vault_still_lists(sandbox, group):
    """Regression: this write used to answer 500 but stay stored, and every GET /keys was 500 after."""
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    client = key_client(sandbox, vault)
    token = sandbox.credential().get_token("https://vault.azure.net/.default").token
    r = requests.post(f"{vault.properties.vault_uri}keys/{unique('k')}/create?api-version=2025-07-01",
                      data=b'{"kty": "RSA", "attributes": {"exp": Infinity}}',
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 400 and "error" in r.json()
    assert list(client.list_properties_of_keys()) == []


def test_a_request_that_raises_changes_nothing_and_answers_internal_server_error(sandbox, caplog):
    """The dispatcher's own guarantee, shown with a route that writes and then hits a bug."""
    sb = sandbox.sb
    marker = unique("bug-")

    @ARM_ROUTER.route("PUT", f"/subscriptions/{{subscriptionId}}/{marker}", api_versions=["2025-04-01"])
    def buggy(sb, req, subscriptionId):
        sb.store.execute("INSERT INTO meta VALUES (?, 'half-done')", (marker,))
        raise KeyError("a bug")
    token, _ = sb.tokens.issue(sb.learner, ARM)
    try:
        with caplog.at_level(logging.ERROR, logger="labhelpers.sandbox"):
            resp = app.handle(sb, Request("PUT", "management.azure.com",
                                          f"/subscriptions/{sandbox.subscription_id}/{marker}?api-version=2025-04-01",
                                          {"authorization": f"Bearer {token}"}, b"{}"))
    finally:
        ARM_ROUTER.routes.pop()
    assert resp.status == 500
    assert json.loads(resp.payload())["error"]["code"] == "InternalServerError"
    assert sb.meta(marker) is None                               # rolled back
    assert "Traceback" in caplog.text and "a bug" in caplog.text
