"""The Key Vault data plane through the real KeyClient and CryptographyClient: keys, versions,
rotation policies, soft delete, real RSA/EC cryptography, and authorisation by Azure RBAC
(down to one key) or access policies. Response bodies are checked against the published
2025-07-01 data-plane spec."""
from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timedelta, timezone

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.keyvault.keys import (KeyClient, KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction)
from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm,
                                        SignatureAlgorithm)
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import AccessPolicyEntry, Permissions

from helpers import (KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CONTRIBUTOR, KEY_VAULT_CRYPTO_OFFICER,
                     KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, KEY_VAULT_READER, grant, key_client, make_vault,
                     managed_identity, unique, vault_client)
from specs import validate


def raw(client: KeyClient, method: str, path: str, body=None, api_version: str | None = None):
    """One request through the client's own pipeline (challenge auth, TLS, proxy), response as is."""
    url = path + (f"?api-version={api_version}" if api_version else "")
    return client.send_request(HttpRequest(method, url, json=body))


KEYS_SPEC = "Microsoft.KeyVault-dataplane/2025-07-01/keys.json"


@pytest.fixture(scope="module")
def vault(sandbox, group):
    """An RBAC vault with purge protection, where the learner is Key Vault Administrator."""
    v = make_vault(sandbox, group, purge_protection=True, retention=7)
    grant(sandbox, v.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    return v


@pytest.fixture(scope="module")
def kc(sandbox, vault):
    return key_client(sandbox, vault)


# ---- the lab's tasks 1 and 2 ----------------------------------------------------------------------

def test_exercise_tasks_1_and_2(sandbox, group):
    vault = make_vault(sandbox, group, purge_protection=True, retention=7)
    assert vault.properties.enable_rbac_authorization and vault.properties.enable_purge_protection
    assert vault.properties.soft_delete_retention_in_days == 7
    kc = key_client(sandbox, vault)
    # Owner of the subscription has no data access until granted a data role (facts §D4).
    with pytest.raises(HttpResponseError) as err:
        kc.create_rsa_key("cmk", size=2048)
    assert err.value.status_code == 403 and err.value.error.code == "Forbidden"
    assert err.value.error.innererror["code"] == "ForbiddenByRbac"
    lines = err.value.error.message.split("\r\n")
    assert lines[0] == "Caller is not authorized to perform action on resource."
    assert lines[2] == (f"Caller: appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid={sandbox.learner_object_id};"
                        f"iss=https://sts.windows.net/{sandbox.tenant_id}/")
    assert lines[3] == "Action: 'Microsoft.KeyVault/vaults/keys/create/action'"
    assert lines[4] == f"Resource: '{vault.id.lower()}/keys/cmk'"
    assert lines[5:9] == ["Assignment: (not found)", "DenyAssignmentId: null",
                          "DecisionReason: 'DeniedWithNoValidRBAC' ", f"Vault: {vault.name};location=eastus"]

    grant(sandbox, vault.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)
    key = kc.create_rsa_key("cmk", size=2048)
    assert key.key_type == "RSA" and len(key.key.n) == 256 and key.key.e == b"\x01\x00\x01"
    assert key.id == f"{vault.properties.vault_uri}keys/cmk/{key.properties.version}"
    policy = kc.update_key_rotation_policy("cmk", KeyRotationPolicy(
        expires_in="P210D",
        lifetime_actions=[KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P6M")]))
    assert policy.expires_in == "P210D"
    actions = {(a.action, a.time_after_create, a.time_before_expiry) for a in policy.lifetime_actions}
    assert actions == {(KeyRotationPolicyAction.rotate, "P6M", None), (KeyRotationPolicyAction.notify, None, "P30D")}
    assert kc.get_key_rotation_policy("cmk").expires_in == "P210D"


# ---- keys -----------------------------------------------------------------------------------------

def test_key_bundle_matches_the_spec_and_carries_key_vault_headers(kc, vault):
    key = kc.create_rsa_key(unique("k"), size=3072, tags={"lab": "cmk"})
    resp = raw(kc, "GET", f"/keys/{key.name}/")       # the trailing-slash form the SDK sends
    assert resp.status_code == 200
    body = resp.json()
    validate(KEYS_SPEC, "KeyBundle", body)
    assert body["key"]["kid"] == key.id and len(base64.urlsafe_b64decode(body["key"]["n"] + "==")) == 384
    assert body["attributes"]["recoveryLevel"] == "CustomizedRecoverable"      # 7 days + purge protection
    assert body["attributes"]["recoverableDays"] == 7 and body["tags"] == {"lab": "cmk"}
    assert resp.headers["x-ms-keyvault-region"] == "eastus"
    assert resp.headers["x-ms-keyvault-service-version"]
    assert "d" not in body["key"] and "p" not in body["key"]          # never the private part


def test_get_by_version_list_and_paging(kc):
    name = unique("k")
    versions = [kc.create_rsa_key(name).properties.version for _ in range(3)]
    assert kc.get_key(name).properties.version == versions[-1]
    assert kc.get_key(name, versions[0]).properties.version == versions[0]
    listed = [p.version for p in kc.list_properties_of_key_versions(name, max_page_size=1)]
    assert listed == versions                                        # followed two nextLinks
    page = raw(kc, "GET", f"/keys/{name}/versions?maxresults=2&api-version=2025-07-01").json()
    validate(KEYS_SPEC, "KeyListResult", page)
    assert len(page["value"]) == 2 and "$skiptoken=2" in page["nextLink"]
    assert page["nextLink"].startswith(f"https://{kc.vault_url.split('//')[1].rstrip('/')}:443/keys/{name}/versions?")
    assert name in {p.name for p in kc.list_properties_of_keys()}
    bad = raw(kc, "GET", "/keys?maxresults=26&api-version=2025-07-01")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BadParameter"
    with pytest.raises(ResourceNotFoundError) as err:
        kc.get_key(name, "0" * 32)
    assert err.value.error.code == "KeyNotFound"
    with pytest.raises(ResourceNotFoundError) as err:
        kc.get_key(unique("missing"))
    assert "was not found in this key vault" in err.value.error.message


def test_create_rules(sandbox, group, kc):
    with pytest.raises(HttpResponseError) as err:
        kc.create_rsa_key(unique("k"), size=1024)
    assert err.value.status_code == 400 and err.value.error.code == "BadParameter"
    with pytest.raises(HttpResponseError) as err:
        kc.create_rsa_key(unique("k"), hardware_protected=True)
    assert err.value.status_code == 403 and err.value.error.message == "Hardware key operation not allowed on standard vault"
    with pytest.raises(HttpResponseError) as err:
        kc.create_rsa_key("bad_name")
    assert err.value.status_code == 400
    premium = make_vault(sandbox, group, sku="premium")
    grant(sandbox, premium.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    hsm = key_client(sandbox, premium).create_rsa_key("hsm", hardware_protected=True)
    assert hsm.key_type == "RSA-HSM"


def test_update_rotate_and_rotation_policy_rules(kc):
    name = unique("k")
    first = kc.create_rsa_key(name)
    updated = kc.update_key_properties(name, enabled=False, tags={"a": "b"}, key_operations=["wrapKey", "unwrapKey"])
    assert updated.properties.enabled is False and updated.properties.tags == {"a": "b"}
    assert updated.key_operations == ["wrapKey", "unwrapKey"]
    default = kc.get_key_rotation_policy(name)                        # never set: the service default
    assert [(a.action, a.time_before_expiry) for a in default.lifetime_actions] == [(KeyRotationPolicyAction.notify, "P30D")]
    # expiry under 28 days; rotation under 7 days after creation; rotation less than 7 days before expiry
    for rotate_after, expiry in (("P14D", "P27D"), ("P6D", None), ("P95D", "P100D")):
        with pytest.raises(HttpResponseError) as err:
            kc.update_key_rotation_policy(name, KeyRotationPolicy(expires_in=expiry, lifetime_actions=[
                KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create=rotate_after)]))
        assert err.value.status_code == 400 and err.value.error.code == "BadParameter"
    with pytest.raises(HttpResponseError):                           # timeBeforeExpiry needs expiryTime
        kc.update_key_rotation_policy(name, KeyRotationPolicy(lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_before_expiry="P30D")]))
    policy = raw(kc, "PUT", f"/keys/{name}/rotationpolicy", {
        "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P10D"}, "action": {"type": "rotate"}}],
        "attributes": {"expiryTime": "P60D"}}, api_version="2025-07-01")
    assert policy.status_code == 200
    validate(KEYS_SPEC, "KeyRotationPolicy", policy.json())
    rotated = kc.rotate_key(name)
    assert rotated.properties.version != first.properties.version
    lifetime = rotated.properties.expires_on - rotated.properties.created_on
    assert timedelta(days=59, hours=23) < lifetime <= timedelta(days=60)    # expiryTime applied to the new version
    assert kc.get_key(name, first.properties.version).properties.enabled is False   # old versions stay


def test_soft_delete_recover_and_purge_protection(kc):
    name = unique("k")
    kc.create_rsa_key(name)
    deleted = kc.begin_delete_key(name).result()
    assert deleted.recovery_id.endswith(f"/deletedkeys/{name}") and deleted.scheduled_purge_date
    body = raw(kc, "GET", f"/deletedkeys/{name}").json()
    validate(KEYS_SPEC, "DeletedKeyBundle", body)
    assert name in {d.name for d in kc.list_deleted_keys()}
    with pytest.raises(ResourceNotFoundError):
        kc.get_key(name)
    with pytest.raises(ResourceExistsError) as err:                   # the name is held while deleted
        kc.create_rsa_key(name)
    assert err.value.error.message.startswith(f"Key {name} is currently in a deleted but recoverable state")
    with pytest.raises(HttpResponseError) as err:                     # purge protection (facts §B3)
        kc.purge_deleted_key(name)
    assert err.value.status_code == 403 and "purge protection is enabled" in err.value.error.message
    assert kc.begin_recover_deleted_key(name).result().name == name
    assert kc.get_key(name).name == name


def test_purge_without_purge_protection_frees_the_name(sandbox, group):
    v = make_vault(sandbox, group)
    grant(sandbox, v.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    kc = key_client(sandbox, v)
    first = kc.create_rsa_key("k1")
    assert first.properties.recovery_level == "Recoverable+Purgeable"
    kc.begin_delete_key("k1").result()
    kc.purge_deleted_key("k1")
    with pytest.raises(ResourceNotFoundError):
        kc.get_deleted_key("k1")
    assert kc.create_rsa_key("k1").properties.version != first.properties.version


# ---- cryptography ---------------------------------------------------------------------------------

def test_wrap_unwrap_encrypt_decrypt_with_every_rsa_algorithm(sandbox, kc):
    key = kc.create_rsa_key(unique("k"))
    cc = CryptographyClient(key, sandbox.credential())
    cek = os.urandom(32)
    for alg in (KeyWrapAlgorithm.rsa_oaep, KeyWrapAlgorithm.rsa_oaep_256, KeyWrapAlgorithm.rsa1_5):
        wrapped = cc.wrap_key(alg, cek)                               # local, with the served n/e
        assert cc.unwrap_key(alg, wrapped.encrypted_key).key == cek   # remote: real RSA on the server
    for alg in (EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256, EncryptionAlgorithm.rsa1_5):
        assert cc.decrypt(alg, cc.encrypt(alg, b"hello").ciphertext).plaintext == b"hello"
    # Server-side wrap and a ciphertext the key cannot decrypt.
    resp = raw(kc, "POST", f"/keys/{key.name}/{key.properties.version}/wrapkey",
               {"alg": "RSA-OAEP-256", "value": base64.urlsafe_b64encode(cek).decode().rstrip("=")}, "2025-07-01")
    validate(KEYS_SPEC, "KeyOperationResult", resp.json())
    wrapped = base64.urlsafe_b64decode(resp.json()["value"] + "==")
    assert cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped).key == cek
    with pytest.raises(HttpResponseError) as err:
        cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped)
    assert err.value.status_code == 400 and err.value.error.code == "BadParameter"


def test_sign_and_verify(sandbox, kc):
    digest = hashlib.sha256(b"message").digest()
    rsa_key = kc.create_rsa_key(unique("k"))
    cc = CryptographyClient(rsa_key, sandbox.credential())
    for alg, h in ((SignatureAlgorithm.rs256, hashlib.sha256), (SignatureAlgorithm.ps384, hashlib.sha384),
                   (SignatureAlgorithm.rs512, hashlib.sha512)):
        d = h(b"message").digest()
        signature = cc.sign(alg, d).signature                          # remote
        assert cc.verify(alg, d, signature).is_valid                    # local
    ec_key = kc.create_ec_key(unique("ec"), curve="P-256")
    signature = CryptographyClient(ec_key, sandbox.credential()).sign(SignatureAlgorithm.es256, digest).signature
    for sig, expected in ((signature, True), (bytes(64), False)):     # server-side verify
        resp = raw(kc, "POST", f"/keys/{ec_key.name}/{ec_key.properties.version}/verify",
                   {"alg": "ES256", "digest": base64.urlsafe_b64encode(digest).decode().rstrip("="),
                    "value": base64.urlsafe_b64encode(sig).decode().rstrip("=")}, "2025-07-01")
        validate(KEYS_SPEC, "KeyVerifyResult", resp.json())
        assert resp.json()["value"] is expected


def test_an_algorithm_that_is_not_a_string_is_a_bad_parameter(kc):
    """A body's `alg` is JSON: an object or a number is refused as Key Vault refuses an unknown algorithm."""
    key = kc.create_rsa_key(unique("k"))
    for op in ("wrapkey", "encrypt", "sign"):
        for alg in ({}, [], 7):
            resp = raw(kc, "POST", f"/keys/{key.name}/{key.properties.version}/{op}",
                       {"alg": alg, "value": "AAAA"}, "2025-07-01")
            assert resp.status_code == 400 and resp.json()["error"]["code"] == "BadParameter", (op, alg)


def test_disabled_expired_and_restricted_keys(sandbox, kc):
    def wrap(key, status):
        resp = raw(kc, "POST", f"/keys/{key.name}/{key.properties.version}/wrapkey",
                   {"alg": "RSA-OAEP", "value": "AAAA"}, "2025-07-01")
        assert resp.status_code == status, resp.text()
        return resp.json()

    key = kc.create_rsa_key(unique("k"))
    cc = CryptographyClient(key, sandbox.credential())
    wrapped = cc.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"k" * 32).encrypted_key
    kc.update_key_properties(key.name, expires_on=datetime.now(timezone.utc) - timedelta(days=1))
    assert wrap(key, 403)["error"]["innererror"]["code"] == "KeyExpired"       # facts §B7
    assert cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped).key == b"k" * 32   # the inverse still works
    kc.update_key_properties(key.name, enabled=False)
    err = wrap(key, 403)["error"]
    assert err == {"code": "Forbidden", "message": "Operation wrapKey is not allowed on a disabled key.",
                   "innererror": {"code": "KeyDisabled"}}
    with pytest.raises(HttpResponseError) as exc:
        cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped)
    assert exc.value.error.innererror["code"] == "KeyDisabled"
    signer = kc.create_rsa_key(unique("k"), key_operations=["sign", "verify"])
    assert wrap(signer, 403)["error"]["innererror"]["code"] == "KeyOperationForbidden"


# ---- authorisation --------------------------------------------------------------------------------

def test_key_scope_assignment_grants_that_key_only(sandbox, kc, vault):
    a, b = kc.create_rsa_key(unique("a")), kc.create_rsa_key(unique("b"))
    mi = managed_identity(sandbox.sb)
    grant(sandbox, f"{vault.id}/keys/{a.name}", KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, mi.object_id)
    mi_keys = KeyClient(vault.properties.vault_uri, sandbox.mi_credential(mi.object_id))
    cc = CryptographyClient(mi_keys.get_key(a.name), sandbox.mi_credential(mi.object_id))
    assert cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, cc.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"x" * 32).encrypted_key).key == b"x" * 32
    with pytest.raises(HttpResponseError) as err:
        mi_keys.get_key(b.name)
    assert err.value.error.innererror["code"] == "ForbiddenByRbac"
    assert f"Action: 'Microsoft.KeyVault/vaults/keys/read'\r\nResource: '{vault.id.lower()}/keys/{b.name}'" \
        in err.value.error.message
    with pytest.raises(HttpResponseError) as err:                     # the role has no sign
        CryptographyClient(mi_keys.get_key(a.name), sandbox.mi_credential(mi.object_id)).sign(
            SignatureAlgorithm.rs256, bytes(32))
    assert "Microsoft.KeyVault/vaults/keys/sign/action" in err.value.error.message


def test_access_policy_vault(sandbox, group):
    perms = Permissions(keys_property=["get", "create", "wrapKey"])
    v = make_vault(sandbox, group, rbac=False, policies=[
        AccessPolicyEntry(tenant_id=sandbox.tenant_id, object_id=sandbox.learner_object_id, permissions=perms)])
    grant(sandbox, v.id, KEY_VAULT_ADMINISTRATOR, sandbox.learner_object_id)         # ignored by an access-policy vault
    kc = key_client(sandbox, v)
    key = kc.create_rsa_key("k1")
    cc = CryptographyClient(key, sandbox.credential())
    with pytest.raises(HttpResponseError) as err:
        cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, cc.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"x" * 32).encrypted_key)
    assert err.value.status_code == 403
    assert err.value.error.message.startswith("The user, group or application 'appid=")
    assert f"does not have keys unwrapKey permission on key vault '{v.name};location=eastus'" in err.value.error.message
    mi = managed_identity(sandbox.sb)
    with pytest.raises(HttpResponseError) as err:
        KeyClient(v.properties.vault_uri, sandbox.mi_credential(mi.object_id)).get_key("k1")
    assert err.value.error.message.startswith("Access denied. Caller was not found on any access policy.")


def test_api_versions(sandbox, kc):
    for version in ("7.0", "7.4", "2025-07-01"):
        assert raw(kc, "GET", "/keys", api_version=version).status_code == 200
    resp = raw(kc, "GET", "/keys", api_version="7.9")
    assert resp.status_code == 400
    assert resp.json()["error"] == {"code": "BadParameter", "message": "The specified version (7.9) is not recognized. "
                                    "Consider using the latest supported version (2025-07-01)."}
    token = sandbox.credential().get_token("https://vault.azure.net/.default").token
    missing = requests.get(f"{kc.vault_url}/keys", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "BadParameter"
    unauthenticated = requests.get(f"{kc.vault_url}/keys?api-version=2025-07-01", timeout=30)
    assert unauthenticated.status_code == 401
    assert 'resource="https://vault.azure.net"' in unauthenticated.headers["WWW-Authenticate"]


def test_public_key_operations_need_only_read_access(sandbox, kc, vault):
    """Azure's operation list: encrypt, wrap and verify with an asymmetric key "can be performed by
    principals with read access"; decrypt, unwrap and sign cannot."""
    key = kc.create_rsa_key(unique("pub"))
    mi = managed_identity(sandbox.sb)
    grant(sandbox, f"{vault.id}/keys/{key.name}", KEY_VAULT_READER, mi.object_id)
    mi_keys = KeyClient(vault.properties.vault_uri, sandbox.mi_credential(mi.object_id))
    for op, body in (("wrapkey", {"alg": "RSA-OAEP", "value": "AAAA"}), ("encrypt", {"alg": "RSA-OAEP", "value": "AAAA"})):
        r = raw(mi_keys, "POST", f"/keys/{key.name}/{key.properties.version}/{op}", body, "2025-07-01")
        assert r.status_code == 200, (op, r.text())
    r = raw(mi_keys, "POST", f"/keys/{key.name}/{key.properties.version}/unwrapkey",
            {"alg": "RSA-OAEP", "value": r.json()["value"]}, "2025-07-01")
    assert r.status_code == 403 and "keys/decrypt/action" not in r.text() and "keys/unwrap/action" in r.text()


def test_changing_the_permission_model_needs_role_assignment_write(sandbox, group):
    """rbac-guide.md: only a role with unrestricted roleAssignments/write (Owner, User Access
    Administrator) may switch a vault's permission model; vaults/write alone is not enough."""
    v = make_vault(sandbox, group)
    mi = managed_identity(sandbox.sb)
    grant(sandbox, v.id, KEY_VAULT_CONTRIBUTOR, mi.object_id)
    as_contributor = KeyVaultManagementClient(sandbox.mi_credential(mi.object_id), sandbox.subscription_id)
    as_contributor.vaults.update(group, v.name, {"tags": {"team": "kv"}})          # vaults/write works
    with pytest.raises(HttpResponseError) as err:
        as_contributor.vaults.update(group, v.name, {"properties": {"enableRbacAuthorization": False}})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Authorization/roleAssignments/write" in err.value.error.message
    owner = vault_client(sandbox)
    updated = owner.vaults.update(group, v.name, {"properties": {
        "enableRbacAuthorization": False, "accessPolicies": []}})
    assert updated.properties.enable_rbac_authorization is False


def test_key_vault_challenge_is_the_one_the_service_sends(sandbox, vault):
    r = requests.post(f"{vault.properties.vault_uri}keys/x/create?api-version=2025-07-01")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == (f'Bearer authorization="https://login.windows.net/{sandbox.tenant_id}", '
                                             'resource="https://vault.azure.net"')
    assert r.json() == {"error": {"code": "Unauthorized", "message": "Request is missing a Bearer or PoP token."}}
