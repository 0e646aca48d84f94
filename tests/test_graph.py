"""Microsoft Graph in the sandbox: the lookups Azure clients make (the Azure CLI's role and
keyvault commands), with Graph's own audience, shapes and errors. Real tokens over real HTTP."""
from __future__ import annotations

from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
from azure.core.rest import HttpRequest

from helpers import ARM, managed_identity

GRAPH = "https://graph.microsoft.com"


def _graph(credential, scope: str = f"{GRAPH}/.default") -> PipelineClient:
    return PipelineClient(GRAPH, policies=[BearerTokenCredentialPolicy(credential, scope), RetryPolicy(total=0)])


def _get(client, path: str, **params):
    return client.send_request(HttpRequest("GET", f"{GRAPH}{path}", params=params))


def test_me_users_by_id_and_upn_and_the_cli_filter(sandbox):
    g = _graph(sandbox.credential())
    me = _get(g, "/v1.0/me")
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == sandbox.learner_object_id and body["@odata.context"].endswith("$metadata#users/$entity")
    upn = body["userPrincipalName"]
    assert upn.endswith("@cmklab.onmicrosoft.com")
    for key in (upn, sandbox.learner_object_id, upn.upper()):
        assert _get(g, f"/v1.0/users/{key}").json()["id"] == sandbox.learner_object_id
    found = _get(g, "/v1.0/users", **{"$filter": f"userPrincipalName eq '{upn}'"}).json()["value"]
    assert [u["id"] for u in found] == [sandbox.learner_object_id]
    assert _get(g, "/beta/users", **{"$filter": "userPrincipalName eq 'nobody@example.com'"}).json()["value"] == []
    missing = _get(g, "/v1.0/users/nobody@cmklab.onmicrosoft.com")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "Request_ResourceNotFound"
    assert "innerError" in missing.json()["error"]


def test_service_principals_by_id_app_id_and_names_and_get_by_ids(sandbox):
    mi = managed_identity(sandbox.sb)
    g = _graph(sandbox.credential())
    sp = _get(g, f"/v1.0/servicePrincipals/{mi.object_id}").json()
    assert sp["appId"] == mi.app_id and sp["servicePrincipalType"] == "ManagedIdentity"
    assert mi.mi_resource_id in sp["servicePrincipalNames"]
    assert _get(g, f"/v1.0/servicePrincipals(appId='{mi.app_id}')").json()["id"] == mi.object_id
    for expression in (f"servicePrincipalNames/any(c:c eq '{mi.app_id}')", f"appId eq '{mi.app_id}'"):
        assert [s["id"] for s in _get(g, "/v1.0/servicePrincipals", **{"$filter": expression}).json()["value"]] \
            == [mi.object_id]
    resp = g.send_request(HttpRequest("POST", f"{GRAPH}/v1.0/directoryObjects/getByIds", json={
        "ids": [mi.object_id, sandbox.learner_object_id, "00000000-0000-0000-0000-000000000000"],
        "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]}))
    types = {o["id"]: o["@odata.type"] for o in resp.json()["value"]}
    assert types == {mi.object_id: "#microsoft.graph.servicePrincipal",
                     sandbox.learner_object_id: "#microsoft.graph.user"}
    bad = _get(g, "/v1.0/servicePrincipals", **{"$filter": "tags/any(t:t eq 'x') and appId eq 'y'"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_graph_audience_identities_and_unknown_segments(sandbox):
    # An ARM token is not a Graph token (and a Graph token is not an ARM one)
    wrong = _get(_graph(sandbox.credential(), f"{ARM}/.default"), "/v1.0/me")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "InvalidAuthenticationToken"
    arm = PipelineClient(ARM, policies=[BearerTokenCredentialPolicy(sandbox.credential(), f"{GRAPH}/.default"),
                                        RetryPolicy(total=0)])
    resp = arm.send_request(HttpRequest("GET", f"{ARM}/subscriptions", params={"api-version": "2022-12-01"}))
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    # A managed identity holds no Graph permission: /me is for users, reads are denied
    mi = managed_identity(sandbox.sb)
    g = _graph(sandbox.mi_credential(mi.object_id))
    me = _get(g, "/v1.0/me")
    assert me.status_code == 400 and "delegated authentication flow" in me.json()["error"]["message"]
    assert _get(g, f"/v1.0/users/{sandbox.learner_object_id}").json()["error"]["code"] == "Authorization_RequestDenied"
    nowhere = _get(_graph(sandbox.credential()), "/v1.0/planets")
    assert nowhere.status_code == 400 and nowhere.json()["error"]["message"] == \
        "Resource not found for the segment 'planets'."
    assert _get(_graph(sandbox.credential()), "/v2.0/me").status_code == 400


def test_a_state_dir_from_before_graph_gets_a_certificate_that_covers_it(tmp_path, monkeypatch):
    from cryptography import x509
    from labhelpers.sandbox import tls

    def names():
        cert = x509.load_pem_x509_certificate((tmp_path / "tls.pem").read_bytes())
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    with monkeypatch.context() as m:
        m.setattr(tls, "SERVED_NAMES", [n for n in tls.SERVED_NAMES if n != "graph.microsoft.com"])
        tls.ensure_tls(tmp_path)
    assert "graph.microsoft.com" not in names()
    tls.ensure_tls(tmp_path)
    assert "graph.microsoft.com" in names()
