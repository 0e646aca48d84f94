"""Customer-managed keys on an AI Foundry account, through the real SDK clients: every condition
Azure requires (facts §C1–C3) refused with a message that names what to fix; the account's identity
really using the key (Key Vault RBAC decides, the audit log shows it); revocation breaking the
account's endpoint and restoration healing it."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm, SignatureAlgorithm
from azure.mgmt.cognitiveservices.models import (Account, AccountProperties, Encryption, Identity,
                                                 KeyVaultProperties, Sku, UserAssignedIdentity)

from helpers import (COGNITIVE_SERVICES_USER, KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
                     auth_client, cognitive_client, data_plane, grant, group_id, make_group, make_vault, new_account,
                     unique, vault_client)
from labhelpers.sandbox.providers.keyvault import audit

pytestmark = pytest.mark.xdist_group("cognitive-cmk")


class Lab:
    """The clients and the shared resource group / vault of this module."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.cs = cognitive_client(sandbox)
        self.kvm = vault_client(sandbox)
        self.auth = auth_client(sandbox)
        self.group = make_group(sandbox, "rg-cmk-")
        self.vault = self.new_vault()
        self.keys = KeyClient(self.uri(self.vault), sandbox.credential())
        self.group_id = group_id(sandbox, self.group)
        self.grant(self.group_id, COGNITIVE_SERVICES_USER, sandbox.learner_object_id, "User")   # data plane

    def new_vault(self, location="eastus", purge_protection=True) -> str:
        vault = make_vault(self.sandbox, self.group, location=location, purge_protection=purge_protection or None)
        self.grant(vault.id, KEY_VAULT_ADMINISTRATOR, self.sandbox.learner_object_id, "User")
        return vault.name

    @staticmethod
    def uri(vault: str) -> str:
        return f"https://{vault}.vault.azure.net/"

    def grant(self, scope: str, role: str, principal_id: str, principal_type="ServicePrincipal") -> str:
        return grant(self.sandbox, scope, role, principal_id, principal_type).id

    def key_scope(self, key: str, vault: str | None = None) -> str:
        return f"{self.group_id}/providers/Microsoft.KeyVault/vaults/{vault or self.vault}/keys/{key}"

    def new_key(self, **kw):
        return self.keys.create_rsa_key(unique("cmk-"), size=kw.pop("size", 2048), **kw)

    def new_account(self, identity: Identity | None = Identity(type="SystemAssigned"), **props) -> Account:
        return new_account(self.cs, self.group, identity=identity, **props)

    def set_cmk(self, account: Account, key_name: str, vault: str | None = None, **kv) -> Account:
        encryption = Encryption(key_source="Microsoft.KeyVault", key_vault_properties=KeyVaultProperties(
            key_name=key_name, key_vault_uri=self.uri(vault or self.vault), **kv))
        return self.cs.accounts.begin_update(self.group, account.name, Account(
            properties=AccountProperties(encryption=encryption))).result()

    def protected_account(self, **key_kw):
        """An account switched to CMK with its identity granted the least-privilege role on the key."""
        key = self.new_key(**key_kw)
        account = self.new_account()
        assignment = self.grant(self.key_scope(key.name), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
                                account.identity.principal_id)
        return self.set_cmk(account, key.name), key, assignment

    def call_endpoint(self, account: Account):
        return data_plane(self.sandbox.credential(), account.properties.custom_sub_domain_name)

    def key_status(self, account: Account) -> str:
        got = self.cs.accounts.get(self.group, account.name)
        return got.properties.additional_properties["customerManagedKeyStatus"]

    def audit(self, principal_id: str, vault: str | None = None) -> list[tuple[str, str]]:
        return [(r["operationName"], r["resultSignature"]) for r in audit.read(self.sandbox.sb, vault or self.vault)
                if r.get("identity", {}).get("claim", {}).get("oid") == principal_id]


@pytest.fixture(scope="module")
def lab(sandbox):
    return Lab(sandbox)


def refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as err:
        call()
    return err.value


# ---- done-when: the exercise's path, with the identity acting on the key ---------------------------------

def test_switch_to_cmk_fails_until_the_identity_has_a_role_then_is_audited(lab):
    key = lab.new_key()
    account = lab.new_account()
    principal = account.identity.principal_id
    err = refused(lambda: lab.set_cmk(account, key.name))
    assert err.status_code == 400 and err.error.code == "KeyVaultAccessForbidden"
    assert principal in err.error.message and "Microsoft.KeyVault/vaults/keys/read" in err.error.message
    assert err.error.details[0].code == "Forbidden"
    assert lab.cs.accounts.get(lab.group, account.name).properties.encryption is None   # nothing changed
    assert lab.audit(principal) == [("KeyGet", "Forbidden")]
    lab.grant(lab.key_scope(key.name), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, principal)
    done = lab.set_cmk(account, key.name)
    assert done.properties.encryption.key_source == "Microsoft.KeyVault"
    assert done.properties.encryption.key_vault_properties.key_name == key.name
    assert done.properties.additional_properties["customerManagedKeyStatus"].startswith("Access to the configured")
    assert lab.audit(principal) == [("KeyGet", "Forbidden"), ("KeyGet", "OK"), ("KeyWrap", "OK"), ("KeyUnwrap", "OK")]
    record = audit.read(lab.sandbox.sb, lab.vault)[-1]
    assert record["identity"]["claim"]["xms_mirid"] == account.id
    assert "Microsoft.CognitiveServices" in record["properties"]["clientInfo"]
    assert lab.call_endpoint(done).status_code == 200


def test_identity_can_wrap_and_unwrap_but_not_sign_or_create_keys(lab):
    account, key, _ = lab.protected_account()
    principal = account.identity.principal_id
    mi = lab.sandbox.mi_credential(principal)
    crypto = CryptographyClient(key.id, mi)
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"k" * 32)
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped.encrypted_key).key == b"k" * 32
    err = refused(lambda: crypto.sign(SignatureAlgorithm.rs256, b"d" * 32))
    assert err.status_code == 403 and "Microsoft.KeyVault/vaults/keys/sign/action" in err.message
    err = refused(lambda: KeyClient(lab.uri(lab.vault), mi).create_rsa_key(unique("nope-")))
    assert err.status_code == 403
    ops = lab.audit(principal)
    assert ("KeyUnwrap", "OK") in ops[4:] and ("KeySign", "Forbidden") in ops and ("KeyCreate", "Forbidden") in ops


def test_disabling_the_key_breaks_the_endpoint_and_enabling_heals_it(lab):
    account, key, _ = lab.protected_account()
    assert lab.call_endpoint(account).status_code == 200
    lab.keys.update_key_properties(key.name, enabled=False)
    broken = lab.call_endpoint(account)
    assert broken.status_code == 403
    error = broken.json()["error"]
    assert error["code"] == "CustomerManagedKeyInaccessible" and "disabled" in error["message"]
    assert error["details"][0]["code"] == "KeyVaultKeyDisabled"
    assert lab.key_status(account).startswith("Inaccessible (KeyVaultKeyDisabled)")
    assert lab.audit(account.identity.principal_id)[-1] == ("KeyUnwrap", "Forbidden")
    lab.keys.update_key_properties(key.name, enabled=True)
    assert lab.call_endpoint(account).status_code == 200
    assert lab.key_status(account).startswith("Access to the configured")


def test_removing_the_role_breaks_the_endpoint_and_granting_it_again_heals(lab):
    account, key, assignment = lab.protected_account()
    lab.auth.role_assignments.delete_by_id(assignment)
    broken = lab.call_endpoint(account)
    assert broken.status_code == 403
    message = broken.json()["error"]["message"]
    assert "Microsoft.KeyVault/vaults/keys/unwrap/action" in message and account.identity.principal_id in message
    assert lab.audit(account.identity.principal_id)[-1] == ("KeyUnwrap", "Forbidden")
    lab.grant(lab.key_scope(key.name), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, account.identity.principal_id)
    assert lab.call_endpoint(account).status_code == 200


def test_deleting_the_key_breaks_the_endpoint_and_recovering_heals(lab):
    account, key, _ = lab.protected_account()
    lab.keys.begin_delete_key(key.name).wait()
    broken = lab.call_endpoint(account)
    assert broken.status_code == 403 and broken.json()["error"]["details"][0]["code"] == "KeyVaultKeyNotFound"
    lab.keys.begin_recover_deleted_key(key.name).wait()
    assert lab.call_endpoint(account).status_code == 200


def test_an_expired_key_breaks_the_endpoint(lab):
    account, key, _ = lab.protected_account()
    past = datetime.fromtimestamp(lab.sandbox.sb.clock.now(), timezone.utc) - timedelta(minutes=5)
    lab.keys.update_key_properties(key.name, expires_on=past)
    broken = lab.call_endpoint(account)
    assert broken.status_code == 403 and broken.json()["error"]["details"][0]["code"] == "KeyVaultKeyExpired"
    lab.keys.update_key_properties(key.name, expires_on=past + timedelta(days=365))
    assert lab.call_endpoint(account).status_code == 200


def test_versionless_account_follows_rotation_and_pinned_account_stays(lab):
    follows, key, _ = lab.protected_account()
    pinned = lab.new_account()
    lab.grant(lab.key_scope(key.name), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, pinned.identity.principal_id)
    pinned = lab.set_cmk(pinned, key.name, key_version=key.properties.version)
    assert pinned.properties.encryption.key_vault_properties.key_version == key.properties.version
    rotated = lab.keys.rotate_key(key.name)
    for account in (follows, pinned):
        assert lab.call_endpoint(account).status_code == 200
    state = {a.name: lab.sandbox.sb.store.one("SELECT cmk FROM cs_accounts WHERE name = ?", (a.name,))["cmk"]
             for a in (follows, pinned)}
    assert rotated.properties.version in state[follows.name] and key.properties.version in state[pinned.name]
    # The versionless account re-wrapped its data key with the new version, as its identity.
    assert lab.audit(follows.identity.principal_id)[-1] == ("KeyWrap", "OK")
    record = audit.read(lab.sandbox.sb, lab.vault)
    assert any(r["operationName"] == "KeyWrap" and rotated.properties.version in r["properties"]["requestUri"]
               for r in record)


def test_user_assigned_identity_named_by_identity_client_id(lab):
    uai_id = (f"/subscriptions/{lab.sandbox.subscription_id}/resourceGroups/{lab.group}/providers/"
              f"Microsoft.ManagedIdentity/userAssignedIdentities/{unique('uai-')}")
    account = lab.new_account(identity=Identity(type="SystemAssigned, UserAssigned",
                                                user_assigned_identities={uai_id: UserAssignedIdentity()}))
    uai = account.identity.user_assigned_identities[uai_id]
    assert uai.principal_id and uai.client_id
    key = lab.new_key()
    lab.grant(lab.key_scope(key.name), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, uai.principal_id)
    err = refused(lambda: lab.set_cmk(account, key.name, identity_client_id=str(uuid.uuid4())))
    assert err.error.code == "InvalidKeyVaultProperties" and "identityClientId" in err.error.message
    err = refused(lambda: lab.set_cmk(account, key.name))          # the system identity has no role
    assert err.error.code == "KeyVaultAccessForbidden" and account.identity.principal_id in err.error.message
    done = lab.set_cmk(account, key.name, identity_client_id=uai.client_id)
    assert done.properties.encryption.key_vault_properties.identity_client_id == uai.client_id
    assert lab.audit(uai.principal_id)[-3:] == [("KeyGet", "OK"), ("KeyWrap", "OK"), ("KeyUnwrap", "OK")]
    assert lab.call_endpoint(done).status_code == 200


# ---- each CMK condition, refused when not met ------------------------------------------------------------

def test_key_vault_properties_must_name_vault_and_key(lab):
    account = lab.new_account()
    for kv in ({"keyName": "k"}, {"keyVaultUri": lab.uri(lab.vault)}, {"keyName": "k", "keyVaultUri": "https://x.example.com/"}):
        err = refused(lambda: lab.cs.accounts.begin_update(lab.group, account.name, {"properties": {"encryption": {
            "keySource": "Microsoft.KeyVault", "keyVaultProperties": kv}}}).result())
        assert err.status_code == 400 and err.error.code == "InvalidKeyVaultProperties"
        assert "KeyVaultProperties is invalid" in err.error.message


def test_cmk_needs_a_managed_identity(lab):
    account = lab.new_account(identity=None)
    err = refused(lambda: lab.set_cmk(account, lab.new_key().name))
    assert err.status_code == 400 and err.error.code == "ManagedIdentityIsNotEnabled"


def test_cmk_refused_with_an_identity_created_by_the_same_request(lab):
    name = unique("ais-")
    err = refused(lambda: lab.cs.accounts.begin_create(lab.group, name, Account(
        kind="AIServices", sku=Sku(name="S0"), location="eastus", identity=Identity(type="SystemAssigned"),
        properties=AccountProperties(custom_sub_domain_name=name, encryption=Encryption(
            key_source="Microsoft.KeyVault", key_vault_properties=KeyVaultProperties(
                key_name="k", key_vault_uri=lab.uri(lab.vault)))))).result())
    assert err.error.code == "KeyVaultAccessForbidden" and "created by this request" in err.error.message
    assert name not in [a.name for a in lab.cs.accounts.list_by_resource_group(lab.group)]


@pytest.mark.parametrize("condition, code, words", [
    ("vault missing", "KeyVaultNotFound", "does not exist"),
    ("vault in another region", "KeyVaultRegionMismatch", "same region"),
    ("vault without purge protection", "KeyVaultNotRecoverable", "must be recoverable and not purgeable"),
    ("key missing", "KeyVaultKeyNotFound", "was not found"),
    ("key disabled", "KeyVaultKeyDisabled", "disabled"),
    ("key expired", "KeyVaultKeyExpired", "expired"),
    ("key RSA 3072", "UnsupportedKeyType", "2048"),
    ("key EC", "UnsupportedKeyType", "RSA or RSA-HSM"),
])
def test_each_cmk_condition_is_enforced(lab, condition, code, words):
    account = lab.new_account()
    if condition == "vault missing":
        vault = unique("kvnone")
    elif condition == "vault in another region":
        vault = lab.new_vault(location="westeurope")
    elif condition == "vault without purge protection":
        vault = lab.new_vault(purge_protection=False)
    else:
        vault = lab.vault
    if condition in ("vault missing", "key missing"):
        key_name = unique("missing-")
        # Key Vault authorises before it looks: only a role at the vault lets the identity learn "not found".
        lab.grant(f"{lab.group_id}/providers/Microsoft.KeyVault/vaults/{lab.vault}",
                  KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, account.identity.principal_id)
    else:       # a key the identity may use, so that only the condition under test is wrong
        keys = KeyClient(lab.uri(vault), lab.sandbox.credential())
        key_name = unique("k-")
        if condition == "key EC":
            keys.create_ec_key(key_name)
        else:
            keys.create_rsa_key(key_name, size=3072 if condition == "key RSA 3072" else 2048)
        if condition == "key disabled":
            keys.update_key_properties(key_name, enabled=False)
        if condition == "key expired":
            keys.update_key_properties(key_name, expires_on=datetime.fromtimestamp(
                lab.sandbox.sb.clock.now() - 60, timezone.utc))
        lab.grant(lab.key_scope(key_name, vault), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
                  account.identity.principal_id)
    err = refused(lambda: lab.set_cmk(account, key_name, vault=vault))
    assert err.status_code == 400 and err.error.code == code, err.message
    assert words in err.error.message
    assert lab.cs.accounts.get(lab.group, account.name).properties.encryption is None


def test_no_way_back_to_microsoft_managed_keys_nor_to_another_vault(lab):
    account, key, _ = lab.protected_account()
    err = refused(lambda: lab.cs.accounts.begin_update(lab.group, account.name, Account(properties=AccountProperties(
        encryption=Encryption(key_source="Microsoft.CognitiveServices")))).result())
    assert err.status_code == 400 and err.error.code == "KeySourceChangeNotAllowed"
    err = refused(lambda: lab.cs.accounts.begin_update(lab.group, account.name, Account(
        identity=Identity(type="None"))).result())           # the key needs the identity
    assert err.status_code == 400 and err.error.code == "ManagedIdentityIsNotEnabled"
    other = lab.new_vault()
    other_key = KeyClient(lab.uri(other), lab.sandbox.credential()).create_rsa_key(unique("k-"), size=2048)
    lab.grant(lab.key_scope(other_key.name, other), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
              account.identity.principal_id)
    err = refused(lambda: lab.set_cmk(account, other_key.name, vault=other))
    assert err.status_code == 400 and err.error.code == "KeyVaultChangeNotAllowed"
    # Another key in the same vault is allowed (facts §C2).
    second = lab.new_key()
    lab.grant(lab.key_scope(second.name), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, account.identity.principal_id)
    assert lab.set_cmk(account, second.name).properties.encryption.key_vault_properties.key_name == second.name
    assert lab.call_endpoint(account).status_code == 200


def test_every_use_is_checked_again_nothing_is_cached(lab):
    account, key, _ = lab.protected_account()
    before = len(lab.audit(account.identity.principal_id))
    for _ in range(3):
        assert lab.call_endpoint(account).status_code == 200
    ops = lab.audit(account.identity.principal_id)[before:]
    assert ops == [("KeyUnwrap", "OK"), ("KeyGet", "OK")] * 3
