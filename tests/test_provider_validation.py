"""Validation before state in the providers, over real HTTP: what the front door lets through as JSON but
the operation's schema (the vendored REST specs) cannot hold is Azure's 4xx, never a 500, and nothing
half-valid is stored to break the calls after it (the findings of issue #9)."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from helpers import ARM, KEY_VAULT_ADMINISTRATOR, arm_token, grant, key_client, make_vault, unique, vault_client

KV_API = "api-version=7.5"


@pytest.fixture(scope="module")
def vault(sandbox, group):
    v = make_vault(sandbox, group)
    grant(sandbox, v.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    return v


@pytest.fixture(scope="module")
def kv(sandbox, vault):
    """send(method, path, body) on the vault's data plane, as the learner."""
    token = sandbox.credential().get_token("https://vault.azure.net/.default").token

    def send(method: str, path: str, body=None, query: str = KV_API) -> requests.Response:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        return requests.request(method, f"{vault.properties.vault_uri.rstrip('/')}{path}?{query}", data=data,
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                timeout=60)
    return send


@pytest.fixture(scope="module")
def rsa_key(kv):
    name = unique("k")
    assert kv("POST", f"/keys/{name}/create", {"kty": "RSA"}).status_code == 200
    return name


def refused(r: requests.Response, status: int = 400, code: str = "BadParameter") -> dict:
    assert (r.status_code, r.headers.get("content-type", "")[:16]) == (status, "application/json"), r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


ROTATE = {"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": "P30D"}}
BAD_POLICIES = {
    "an item not an object": {"lifetimeActions": ["Rotate"]},
    "action not an object": {"lifetimeActions": [{"action": "Rotate", "trigger": {"timeAfterCreate": "P30D"}}]},
    "trigger not an object": {"lifetimeActions": [{"action": {"type": "Rotate"}, "trigger": "P30D"}]},
    "type not a string": {"lifetimeActions": [{"action": {"type": ["Rotate"]}, "trigger": {"timeAfterCreate": "P30D"}}]},
    "duration not a string": {"lifetimeActions": [{"action": {"type": "Rotate"}, "trigger": {"timeAfterCreate": 30}}]},
    "expiry past year 9999": {"lifetimeActions": [ROTATE], "attributes": {"expiryTime": "P99999Y"}},
    "rotation past year 9999": {"lifetimeActions": [{**ROTATE, "trigger": {"timeAfterCreate": "P99999Y"}}]},
    "expiry past year 9999 from now": {"lifetimeActions": [ROTATE], "attributes": {"expiryTime": "P8000Y"}},
    "attributes not an object": {"lifetimeActions": [ROTATE], "attributes": "P1Y"},
}


@pytest.mark.parametrize("what", BAD_POLICIES)
def test_a_rotation_policy_the_schema_cannot_hold_is_400_and_the_policy_stays(kv, rsa_key, what):
    before = kv("GET", f"/keys/{rsa_key}/rotationpolicy")
    assert before.status_code == 200
    refused(kv("PUT", f"/keys/{rsa_key}/rotationpolicy", BAD_POLICIES[what]))
    after = kv("GET", f"/keys/{rsa_key}/rotationpolicy")
    assert after.status_code == 200 and after.json()["lifetimeActions"] == before.json()["lifetimeActions"]


BAD_CREATES = {
    "crv as an array": {"kty": "EC", "crv": ["P-256"]},
    "kty as an array": {"kty": ["RSA"]},
    "key_size 2048.0": {"kty": "RSA", "key_size": 2048.0},
    "key_size as a string": {"kty": "RSA", "key_size": "2048"},
    "exp past year 9999": {"kty": "EC", "attributes": {"exp": 2 ** 62}},
    "exp 1e300": {"kty": "EC", "attributes": {"exp": 1e300}},
    "nbf before year 1": {"kty": "EC", "attributes": {"nbf": -1e300}},
    "public_exponent as an array": {"kty": "RSA", "public_exponent": [65537]},
}


@pytest.mark.parametrize("what", BAD_CREATES)
def test_a_key_the_schema_cannot_hold_is_400_and_not_stored(kv, what):
    name = unique("k")
    refused(kv("POST", f"/keys/{name}/create", BAD_CREATES[what]))
    refused(kv("GET", f"/keys/{name}"), 404, "KeyNotFound")
    assert kv("GET", "/keys").status_code == 200


def test_an_update_past_year_9999_is_400_and_the_key_reads_back(kv, rsa_key):
    refused(kv("PATCH", f"/keys/{rsa_key}", {"attributes": {"exp": 2 ** 62}}))
    r = kv("GET", f"/keys/{rsa_key}")
    assert r.status_code == 200 and "exp" not in r.json()["attributes"]


@pytest.mark.parametrize("op,body", [
    ("wrapkey", {"alg": ["RSA-OAEP"], "value": "AAAA"}),
    ("encrypt", {"alg": {"name": "RSA-OAEP"}, "value": "AAAA"}),
    ("sign", {"alg": ["RS256"], "value": "A" * 43}),
    ("verify", {"alg": ["RS256"], "digest": "A" * 43, "value": "AAAA"}),
])
def test_an_algorithm_that_is_not_a_string_is_400(kv, rsa_key, op, body):
    version = kv("GET", f"/keys/{rsa_key}").json()["key"]["kid"].rsplit("/", 1)[-1]
    refused(kv("POST", f"/keys/{rsa_key}/{version}/{op}", body))


@pytest.mark.parametrize("query", ["maxresults=²", "maxresults=٣", "$skiptoken=²", "maxresults=99999999999999999999"])
def test_paging_values_that_are_not_ascii_numbers_are_400(kv, query):
    refused(kv("GET", "/keys", query=f"{KV_API}&{query}"))


# ---- access policies (ARM) ------------------------------------------------------------------------

def _policy(sandbox, permissions) -> dict:
    return {"tenantId": sandbox.tenant_id, "objectId": sandbox.learner_object_id, "permissions": permissions}


BAD_PERMISSIONS = {
    "keys a number": {"keys": 5},
    "a permission a number": {"keys": ["get", 5]},
    "an unknown permission": {"keys": ["get", " list"]},
    "secrets an object": {"secrets": {"get": True}},
}


def _arm(sandbox, method: str, path: str, body=None) -> requests.Response:
    return requests.request(method, f"{ARM}{path}?api-version=2024-11-01",
                            data=None if body is None else json.dumps(body),
                            headers={"Authorization": f"Bearer {arm_token(sandbox)}",
                                     "Content-Type": "application/json"}, timeout=60)


@pytest.mark.parametrize("what", BAD_PERMISSIONS)
def test_an_access_policy_azure_cannot_read_is_refused_and_poisons_nothing(sandbox, group, what):
    """Regression: {"permissions": {"keys": 5}} was accepted with 200, then every data-plane call was 500."""
    policy = _policy(sandbox, {"keys": ["get", "list", "create"]})
    v = make_vault(sandbox, group, rbac=False, policies=[policy])
    base = f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{v.name}"
    bad = _policy(sandbox, BAD_PERMISSIONS[what])
    body = _arm(sandbox, "GET", base).json()
    body["properties"]["accessPolicies"] = [bad]
    error = refused(_arm(sandbox, "PUT", base, body), 400, "BadRequest")
    assert error["message"] == "An invalid value was provided for 'accessPolicies'."
    refused(_arm(sandbox, "PATCH", base, {"properties": {"accessPolicies": [bad]}}), 400, "BadRequest")
    refused(_arm(sandbox, "PUT", f"{base}/accessPolicies/add", {"properties": {"accessPolicies": [bad]}}),
            400, "BadRequest")
    stored = vault_client(sandbox).vaults.get(group, v.name).properties.access_policies
    assert [p.permissions.as_dict()["keys"] for p in stored] == [["get", "list", "create"]]
    client = key_client(sandbox, v)
    client.create_rsa_key(unique("k"))
    assert len(list(client.list_properties_of_keys())) == 1
    refused(_arm(sandbox, "PUT", f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}/providers/"
                                 f"Microsoft.KeyVault/vaults/{unique()}",
                 {"location": "eastus", "properties": {"tenantId": sandbox.tenant_id,
                                                       "sku": {"family": "A", "name": "standard"},
                                                       "accessPolicies": [bad]}}), 400, "BadRequest")


# ---- strings the ARM specs type as strings ---------------------------------------------------------

def test_an_object_where_arm_wants_a_string_is_400_and_not_stored(sandbox, group):
    """Regression: an object in managedBy or in a role assignment's description/condition was stored,
    and the reads after it were 500."""
    rg = unique("rg-")
    path = f"/subscriptions/{sandbox.subscription_id}/resourcegroups/{rg}"
    refused(_arm(sandbox, "PUT", path, {"location": "eastus", "managedBy": {"id": "x"}}), 400, "InvalidRequestContent")
    assert _arm(sandbox, "GET", path).status_code == 404
    scope = f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}"
    reader = f"{scope}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
    for prop in ("description", "condition"):
        body = {"properties": {"roleDefinitionId": reader, "principalId": sandbox.learner_object_id, prop: {"a": 1}}}
        r = requests.put(f"{ARM}{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
                         "?api-version=2022-04-01", json=body, timeout=60,
                         headers={"Authorization": f"Bearer {arm_token(sandbox)}"})
        refused(r, 400, "InvalidRequestContent")
    listing = requests.get(f"{ARM}{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01",
                           headers={"Authorization": f"Bearer {arm_token(sandbox)}"}, timeout=60)
    assert listing.status_code == 200
