"""A bounded fuzz of the sandbox's front door and of the resource-group and role-assignment
operations: hypothesis draws bodies from the shape of each operation's request in the vendored REST
specs (each property replaced by any JSON: deep nesting, huge integers, ±Infinity, lone surrogates,
objects where strings belong) and hostile query values. Every answer must be an Azure-shaped 4xx or
a success: never a 5xx, never a dropped connection, and what was accepted reads back. Key Vault joins
with its vault, key, rotation-policy, cryptography and access-policy writes and its paging values, and the
Foundry resource (a Cognitive Services account) with its creates and updates."""
from __future__ import annotations

import json
import uuid

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ARM, KEY_VAULT_ADMINISTRATOR, READER, arm_token, grant, make_vault, role_id, unique

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
FEWER = settings(SETTINGS, max_examples=25)     # the Key Vault runs send 3-6 requests an example

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
    | st.sampled_from(["\ud800", "²", "", " ", "P99999Y", "P8000Y", "P7D", "9999-12-31T23:59:59Z", 2048.0,
                      2**62, 1e300, -1e300, "Rotate", "ES256", "P-256", "get", " list",
                      "(" * 3000 + "ActionMatches{'*'}" + ")" * 3000]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
deep = st.integers(min_value=60, max_value=1200).map(lambda n: "[" * n + "]" * n)


def mutations(base: dict, paths: list[tuple[str, ...]]):
    """`base` with one property (at one of `paths`) replaced by any JSON value, as raw JSON text."""
    def build(path, value, raw_deep):
        body = json.loads(json.dumps(base))
        node = body
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
        node[path[-1]] = value
        text = json.dumps(body, allow_nan=True)
        return text.replace('"__DEEP__"', raw_deep)
    return st.builds(build, st.sampled_from(paths), json_values | st.just("__DEEP__"), deep)


def assert_azure_answer(r: requests.Response) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:500])
    if r.status_code >= 400:
        error = r.json()["error"]
        assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str)


def send(method: str, url: str, body: str | None, token: str) -> requests.Response:
    # A dropped connection raises requests.ConnectionError here, which fails the test.
    return requests.request(method, url, data=None if body is None else body.encode("utf-8", "surrogatepass"),
                            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                            timeout=60)


GROUP_PATHS = [("location",), ("tags",), ("tags", "a"), ("managedBy",), ("properties",), ("name",)]


def test_resource_group_writes(sandbox):
    token = arm_token(sandbox)
    base = {"location": "eastus", "tags": {"a": "b"}}

    @SETTINGS
    @given(body=mutations(base, GROUP_PATHS), method=st.sampled_from(["PUT", "PATCH"]))
    def run(body, method):
        name = f"rg-fuzz-{uuid.uuid4().hex[:8]}"
        url = f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups/{name}?api-version=2025-04-01"
        assert_azure_answer(send(method, url, body, token))
        assert_azure_answer(send("GET", url, None, token))          # what was accepted reads back
    run()


def test_role_assignment_writes(sandbox, group):
    token = arm_token(sandbox)
    scope = f"/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}"
    base = {"properties": {"roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/"
                                               f"{role_id(sandbox, READER).rsplit('/', 1)[-1]}",
                           "principalId": sandbox.learner_object_id, "principalType": "User",
                           "description": "fuzz"}}
    paths = [("properties",), *[("properties", k) for k in ("roleDefinitionId", "principalId", "principalType",
                                                            "description", "condition", "conditionVersion")]]

    @SETTINGS
    @given(body=mutations(base, paths))
    def run(body):
        url = (f"{ARM}{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
               "?api-version=2022-04-01")
        assert_azure_answer(send("PUT", url, body, token))
        listing = f"{ARM}{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
        assert_azure_answer(send("GET", listing, None, token))
    run()


def test_hostile_query_values(sandbox):
    token = arm_token(sandbox)
    values = st.text(max_size=12) | st.sampled_from(["²", "-1", "0", "99999999999999999999", "\u0660", "1e3"])

    @SETTINGS
    @given(top=values, api=values | st.just("2025-04-01"), skip=values)
    def run(top, api, skip):
        r = requests.get(f"{ARM}/subscriptions/{sandbox.subscription_id}/resources",
                         params={"api-version": api, "$top": top, "$skiptoken": skip},
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert_azure_answer(r)
    run()


# ---- Key Vault -------------------------------------------------------------------------------------

def _kv_token(sandbox) -> str:
    return sandbox.credential().get_token("https://vault.azure.net/.default").token


def test_key_vault_key_and_policy_writes(sandbox, group):
    vault = make_vault(sandbox, group)
    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    token, base_url = _kv_token(sandbox), vault.properties.vault_uri.rstrip("/")
    create = {"kty": "EC", "crv": "P-256", "key_ops": ["sign", "verify"], "tags": {"a": "b"},
              "attributes": {"enabled": True, "nbf": 1700000000, "exp": 4000000000}, "key_size": None}
    create_paths = [(k,) for k in create] + [("attributes", k) for k in ("enabled", "nbf", "exp")]
    policy = {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}},
                                  {"trigger": {"timeBeforeExpiry": "P10D"}, "action": {"type": "Notify"}}],
              "attributes": {"expiryTime": "P90D"}}
    policy_paths = [("lifetimeActions",), ("attributes",), ("attributes", "expiryTime"),
                    *[("lifetimeActions", i, part) for i in (0, 1) for part in ("trigger", "action")],
                    ("lifetimeActions", 0, "trigger", "timeAfterCreate"), ("lifetimeActions", 0, "action", "type"),
                    ("lifetimeActions", 1, "trigger", "timeBeforeExpiry")]
    name = unique("k")
    assert send("POST", f"{base_url}/keys/{name}/create?api-version=7.5", '{"kty": "EC"}', token).status_code == 200

    @FEWER
    @given(body=mutations(create, create_paths), policy_body=mutations(policy, policy_paths),
           sign_body=mutations({"alg": "ES256", "value": "A" * 43}, [("alg",), ("value",)]))
    def run(body, policy_body, sign_body):
        key = unique("k")
        assert_azure_answer(send("POST", f"{base_url}/keys/{key}/create?api-version=7.5", body, token))
        assert_azure_answer(send("PUT", f"{base_url}/keys/{name}/rotationpolicy?api-version=7.5", policy_body, token))
        assert_azure_answer(send("POST", f"{base_url}/keys/{name}//sign?api-version=7.5", sign_body, token))
        for path in ("/keys", f"/keys/{name}/rotationpolicy", f"/keys/{name}"):     # nothing stored breaks a read
            r = send("GET", f"{base_url}{path}?api-version=7.5", None, token)
            assert r.status_code == 200, (path, r.text[:300])
    run()


def test_key_vault_access_policy_writes_poison_nothing(sandbox, group):
    entry = {"tenantId": sandbox.tenant_id, "objectId": sandbox.learner_object_id,
             "permissions": {"keys": ["get", "list"], "secrets": ["get"]}}
    vault = make_vault(sandbox, group, rbac=False, policies=[entry])
    arm_url = f"{ARM}{vault.id}/accessPolicies/add?api-version=2024-11-01"
    token, kv_token = arm_token(sandbox), _kv_token(sandbox)
    paths = [("properties", "accessPolicies", 0, k) for k in ("permissions", "objectId", "tenantId")] + [
        ("properties", "accessPolicies", 0, "permissions", k) for k in ("keys", "secrets", "certificates")]

    @FEWER
    @given(body=mutations({"properties": {"accessPolicies": [entry]}}, paths),
           top=st.sampled_from(["²", "٣", "1", "25", "26", "-1", "99999999999999999999", "x"]),
           skip=st.sampled_from(["²", "0", "5", "-1", "x", ""]))
    def run(body, top, skip):
        assert_azure_answer(send("PUT", arm_url, body, token))
        r = requests.get(f"{vault.properties.vault_uri}keys", params={"api-version": "7.5", "maxresults": top,
                                                                     "$skiptoken": skip},
                         headers={"Authorization": f"Bearer {kv_token}"}, timeout=60)
        assert_azure_answer(r)
        r = send("GET", f"{vault.properties.vault_uri}keys?api-version=7.5", None, kv_token)
        assert r.status_code == 200, r.text[:300]               # the learner's own access stays readable
    run()


# ---- Microsoft.KeyVault vaults and Microsoft.CognitiveServices accounts (ARM) -------------------

def test_vault_and_foundry_account_writes(sandbox, group):
    token = arm_token(sandbox)
    arm_group = f"{ARM}/subscriptions/{sandbox.subscription_id}/resourceGroups/{group}/providers"
    vault = {"location": "eastus", "tags": {"a": "b"},
             "properties": {"tenantId": sandbox.tenant_id, "sku": {"family": "A", "name": "standard"},
                            "enableRbacAuthorization": True, "softDeleteRetentionInDays": 7,
                            "enablePurgeProtection": None, "networkAcls": {"defaultAction": "Allow"}}}
    vault_paths = [("location",), ("tags",), ("properties",), *[("properties", k) for k in vault["properties"]],
                   ("properties", "sku", "name"), ("properties", "accessPolicies")]
    account = {"location": "eastus", "kind": "AIServices", "sku": {"name": "S0"}, "identity": {"type": "SystemAssigned"},
               "tags": {"a": "b"}, "properties": {"customSubDomainName": "x", "disableLocalAuth": True,
                                                  "publicNetworkAccess": "Enabled", "encryption": None}}
    account_paths = [(k,) for k in account] + [("sku", "name"), ("identity", "type")] + [
        ("properties", k) for k in account["properties"]] + [("properties", "allowProjectManagement")]

    @FEWER
    @given(vault_body=mutations(vault, vault_paths), account_body=mutations(account, account_paths),
           method=st.sampled_from(["PUT", "PATCH"]))
    def run(vault_body, account_body, method):
        name = unique("kv")
        url = f"{arm_group}/Microsoft.KeyVault/vaults/{name}?api-version=2024-11-01"
        assert_azure_answer(send("PUT", url, vault_body, token))
        assert_azure_answer(send("GET", url, None, token))
        sub = unique("ais-")
        url = f"{arm_group}/Microsoft.CognitiveServices/accounts/{sub}?api-version=2025-06-01"
        assert_azure_answer(send("PUT", url, account_body.replace('"customSubDomainName": "x"',
                                                                  f'"customSubDomainName": "{sub}"'), token))
        assert_azure_answer(send(method, url, account_body, token))
        assert_azure_answer(send("GET", url, None, token))
    run()
