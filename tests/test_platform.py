"""The sandbox platform: proxy and TLS, managed-identity tokens, token verification per plane,
the command line, state across restarts, and Azure-shaped answers to bad input."""
from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import uuid

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers import ARM, managed_identity, resource_client, unique
from labhelpers.sandbox.tls import SERVED_NAMES

SUBS = f"{ARM}/subscriptions?api-version=2022-12-01"


def mi_token(sandbox, resource=ARM, **params):
    r = requests.get(sandbox.info["identity_endpoint"], params={"api-version": "2019-08-01", "resource": resource, **params},
                     headers={"X-IDENTITY-HEADER": sandbox.info["identity_header"]})
    return r


def test_identity_endpoint_issues_signed_learner_token(sandbox):
    r = mi_token(sandbox)
    assert r.status_code == 200
    body = r.json()
    assert body["expires_on"].isdigit() and body["token_type"] == "Bearer"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["oid"] == sandbox.learner_object_id
    assert claims["tid"] == sandbox.tenant_id
    assert claims["aud"] == ARM
    assert claims["iss"] == f"https://sts.windows.net/{sandbox.tenant_id}/"
    assert claims["exp"] - claims["iat"] >= 3600
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"


def test_identity_endpoint_refuses_wrong_header_unknown_identity_and_resource(sandbox):
    r = requests.get(sandbox.info["identity_endpoint"], params={"api-version": "2019-08-01", "resource": ARM},
                     headers={"X-IDENTITY-HEADER": "wrong"})
    assert r.status_code == 401 and r.json()["statusCode"] == 401
    r = requests.get(sandbox.info["identity_endpoint"], params={"api-version": "2019-08-01", "resource": ARM})
    assert r.status_code == 401
    assert mi_token(sandbox, object_id=str(uuid.uuid4())).status_code == 400
    assert mi_token(sandbox, client_id=str(uuid.uuid4())).status_code == 400
    assert mi_token(sandbox, resource="https://storage.azure.com").status_code == 400
    r = requests.get(sandbox.info["identity_endpoint"], params={"api-version": "2017-09-01", "resource": ARM},
                     headers={"X-IDENTITY-HEADER": sandbox.info["identity_header"]})
    assert r.status_code == 400


def test_identity_endpoint_selects_a_managed_identity(sandbox):
    mi = managed_identity(sandbox.sb, display_name="mi")
    for params in ({"object_id": mi.object_id}, {"client_id": mi.app_id}, {"mi_res_id": mi.mi_resource_id},
                   {"resource_id": mi.mi_resource_id}):
        r = mi_token(sandbox, resource="https://vault.azure.net", **params)
        assert r.status_code == 200, params
        claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
        assert claims["oid"] == mi.object_id and claims["idtyp"] == "app"
        assert claims["xms_mirid"] == mi.mi_resource_id and claims["appid"] == mi.app_id


def test_sdk_credential_reaches_arm_through_the_proxy(sandbox):
    from azure.mgmt.resource.subscriptions import SubscriptionClient
    subs = list(SubscriptionClient(sandbox.credential()).subscriptions.list())
    assert sandbox.subscription_id in [s.subscription_id for s in subs]


def test_arm_without_token_is_401_with_challenge(sandbox):
    r = requests.get(SUBS)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AuthenticationFailed"
    assert r.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_forged_token_is_rejected(sandbox):
    token = mi_token(sandbox).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256")
    r = requests.get(SUBS, headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
    unsigned = jwt.encode(claims, None, algorithm="none")
    r = requests.get(SUBS, headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert requests.get(SUBS, headers={"Authorization": f"Bearer {tampered}"}).status_code == 401


def test_expired_token_is_rejected(sandbox):
    token, _ = sandbox.sb.tokens.issue(sandbox.sb.learner, ARM, lifetime=-60)
    r = requests.get(SUBS, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_token_for_another_audience_is_rejected_per_plane(sandbox):
    vault_token = mi_token(sandbox, resource="https://vault.azure.net").json()["access_token"]
    r = requests.get(SUBS, headers={"Authorization": f"Bearer {vault_token}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    # ARM accepts its three audiences, the classic one used by the Azure CLI included (wire contract §8)
    for aud in ("https://management.azure.com/", "https://management.core.windows.net/"):
        token = mi_token(sandbox, resource=aud).json()["access_token"]
        assert requests.get(SUBS, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_proxy_refuses_other_hosts_and_plain_http(sandbox):
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://example.com/")
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://management.azure.com.evil.example/")
    host, port = sandbox.info["proxy_url"].rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        assert s.recv(100).split(b" ")[1] == b"403"
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"CONNECT management.azure.com:80 HTTP/1.1\r\nHost: management.azure.com:80\r\n\r\n")
        assert s.recv(100).split(b" ")[1] == b"403"
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        assert s.recv(100).split(b" ")[1] == b"403"


def test_vault_host_that_does_not_exist_does_not_resolve(sandbox):
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get(f"https://{unique('nosuch')}.vault.azure.net/keys?api-version=2025-07-01")


def test_tls_chain_verifies_strictly_for_every_served_name(sandbox):
    ctx = ssl.create_default_context(cafile=sandbox.info["ca_cert"])
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT           # what Python 3.13 does by default
    host, port = sandbox.info["proxy_url"].rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(b"CONNECT management.azure.com:443 HTTP/1.0\r\n\r\n")
        assert b" 200 " in raw.recv(200)
        with ctx.wrap_socket(raw, server_hostname="management.azure.com") as tls:
            cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert set(SERVED_NAMES) <= set(names)
    cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    ca = x509.load_pem_x509_certificate(open(sandbox.info["ca_cert"], "rb").read())
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_env_command_prints_the_client_environment(sandbox):
    out = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "env", "--state", str(sandbox.state_dir)],
                         check=True, capture_output=True, text=True).stdout
    for name in ("HTTPS_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
                 "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"):
        assert f"export {name}=" in out
    for name in ("https_proxy", "http_proxy", "no_proxy", "all_proxy"):
        assert f"unset {name}" in out


def test_env_command_without_a_server_says_how_to_start_one(tmp_path):
    r = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "env", "--state", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "serve --state" in r.stderr


def test_advance_moves_the_sandbox_clock(start_sandbox):
    own = start_sandbox()
    before = own.sb.clock.now()
    own.advance("P7D")
    assert 7 * 86400 - 5 < own.sb.clock.now() - before < 7 * 86400 + 60
    r = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "advance", "--state", str(own.state_dir), "7 days"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "ISO-8601" in r.stderr


def test_request_log_never_holds_a_token(sandbox):
    token = mi_token(sandbox).json()["access_token"]
    requests.get(SUBS, headers={"Authorization": f"Bearer {token}"})
    log = (sandbox.state_dir / "requests.log").read_text()
    assert "/subscriptions" in log
    assert token not in log and "eyJ" not in log
    assert sandbox.info["identity_header"] not in log


def test_bad_input_gets_azure_shaped_4xx(sandbox):
    token = mi_token(sandbox).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.get(f"{ARM}/subscriptions", headers=auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "MissingApiVersionParameter"
    r = requests.get(f"{ARM}/no/such/thing?api-version=2022-12-01", headers=auth)
    assert 400 <= r.status_code < 500 and "code" in r.json()["error"]
    big = b"{" + b" " * (5 * 1024 * 1024) + b"}"
    r = requests.put(f"{ARM}/subscriptions/{sandbox.subscription_id}/resourcegroups/big?api-version=2025-04-01",
                     data=big, headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "RequestEntityTooLarge"


def test_ten_line_script_with_only_the_sdk(sandbox, tmp_path):
    """DESIGN.md's promise: with the `env` lines, unmodified SDK code manages resource groups."""
    script = tmp_path / "rg.py"
    script.write_text(textwrap.dedent("""
        import os
        from azure.identity import DefaultAzureCredential
        from azure.mgmt.resource.resources import ResourceManagementClient
        client = ResourceManagementClient(DefaultAzureCredential(), os.environ["AZURE_SUBSCRIPTION_ID"])
        client.resource_groups.create_or_update("ten-line-rg", {"location": "eastus"})
        print(client.resource_groups.get("ten-line-rg").location)
        client.resource_groups.begin_delete("ten-line-rg").result()
        print(client.resource_groups.check_existence("ten-line-rg"))
    """))
    env_lines = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "env", "--state", str(sandbox.state_dir)],
                               check=True, capture_output=True, text=True).stdout
    r = subprocess.run(["bash", "-c", f'{env_lines}\nexec "{sys.executable}" "{script}"'],
                       capture_output=True, text=True, timeout=120, env={k: v for k, v in os.environ.items()
                                                                         if not k.endswith(("PROXY", "proxy"))})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["eastus", "False"]


def test_state_survives_kill_9(start_sandbox):
    own = start_sandbox()
    with own.activated():
        resource_client(own).resource_groups.create_or_update(
            "survivor-rg", {"location": "westeurope", "tags": {"kept": "yes"}})
    own.restart(kill=True)
    with own.activated():
        rg = resource_client(own).resource_groups.get("survivor-rg")
    assert rg.location == "westeurope" and rg.tags == {"kept": "yes"}
    assert json.loads((own.state_dir / "sandbox.json").read_text())["pid"] == own.proc.pid


def test_serve_refuses_a_non_loopback_address(tmp_path):
    r = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "serve", "--state", str(tmp_path),
                        "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "loopback" in r.stderr


def test_ensure_running_reuses_one_server_per_state_dir(tmp_path):
    from labhelpers.sandbox import server
    first = server.ensure_running(tmp_path)
    try:
        again = server.ensure_running(tmp_path)       # a second kernel on the same state dir
        assert again["pid"] == first["pid"] and again["proxy_url"] == first["proxy_url"]
    finally:
        server.stop(tmp_path)
    assert server.running_info(tmp_path) is None


def test_kernels_starting_together_share_one_sandbox(tmp_path):
    """Two processes calling ensure_running at the same moment end up on the same server."""
    code = "import sys, json; from labhelpers.sandbox import server; print(server.ensure_running(sys.argv[1])['pid'])"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    try:
        pids = {p.communicate(timeout=90)[0].strip() for p in procs}
        assert len(pids) == 1, pids
    finally:
        from labhelpers.sandbox import server
        server.stop(tmp_path)


def test_async_clients_reach_the_sandbox(sandbox):
    """The .aio clients use aiohttp, which trusts SSL_CERT_FILE rather than REQUESTS_CA_BUNDLE, and
    azure-identity's own async App Service client (wire contract §1-2): the env covers both."""
    import asyncio

    from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential
    from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

    async def main():
        async with DefaultAzureCredential() as credential, SubscriptionClient(credential) as client:
            ids = [s.subscription_id async for s in client.subscriptions.list()]
        mi = managed_identity(sandbox.sb)
        async with ManagedIdentityCredential(identity_config={"resource_id": mi.mi_resource_id}) as credential:
            token = await credential.get_token("https://vault.azure.net/.default")
        return ids, jwt.decode(token.token, options={"verify_signature": False})["oid"], mi.object_id
    ids, oid, expected = asyncio.run(main())
    assert sandbox.subscription_id in ids and oid == expected


def test_advance_and_audit_refuse_a_state_dir_without_a_sandbox(tmp_path):
    for command in (["advance", "--state", str(tmp_path), "P7D"], ["audit", "--state", str(tmp_path)]):
        r = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", *command], capture_output=True, text=True)
        assert r.returncode == 1 and "No sandbox state" in r.stderr
    assert not (tmp_path / "sandbox.db").exists()
