"""Key Vault's audit log (AuditEvent records, facts §E): what each data-plane request leaves, who
it names, and the scheduled rotation the service does on its own."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction
from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm

from helpers import (KEY_VAULT_CRYPTO_OFFICER, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, grant, key_client,
                     make_group, make_vault, managed_identity)
from labhelpers.sandbox.providers.keyvault import audit


def test_records_of_success_denial_and_challenge(sandbox):
    v = make_vault(sandbox, make_group(sandbox))
    kc = key_client(sandbox, v)
    with pytest.raises(HttpResponseError):
        kc.create_rsa_key("cmk")
    assignment = grant(sandbox, v.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id).name
    key = kc.create_rsa_key("cmk")
    records = audit.read(sandbox.sb, v.name)
    # The first request to a new vault host is the SDK's unauthenticated challenge (wire contract §3.1).
    assert [(r["operationName"], r["resultSignature"]) for r in records] == [
        ("Authentication", "Unauthorized"), ("KeyCreate", "Forbidden"), ("KeyCreate", "OK")]
    denied, created = records[-2], records[-1]
    assert denied["resultType"] == "Success"               # the observed quirk: the outcome is in the signature
    assert denied["properties"]["httpStatusCode"] == 403 and denied["properties"]["isRbacAuthorized"] is False
    assert denied["resultDescription"].startswith("Caller is not authorized to perform action on resource.\n")
    assert created["resourceId"] == v.id.upper() and created["category"] == "AuditEvent"
    assert created["operationVersion"] == "2025-07-01"
    assert created["properties"]["id"] == key.id
    assert created["properties"]["requestUri"] == f"{v.properties.vault_uri}keys/cmk/create?api-version=2025-07-01"
    assert created["properties"]["appliedAssignmentId"] == assignment.replace("-", "")
    assert created["identity"]["claim"]["oid"] == sandbox.learner_object_id
    assert created["identity"]["claim"]["upn"] and created["identity"]["claim"]["idtyp"] == "user"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", created["time"])
    assert created["durationMs"].isdigit()
    assert "eyJ" not in json.dumps(records)                # no token ever lands in the log
    assert all(r["resourceId"] == v.id.upper() for r in records)


def test_managed_identity_unwrap_is_attributed_to_the_identity(sandbox):
    v = make_vault(sandbox, make_group(sandbox))
    grant(sandbox, v.id, KEY_VAULT_CRYPTO_OFFICER, sandbox.learner_object_id)
    key = key_client(sandbox, v).create_rsa_key("cmk")
    mi = managed_identity(sandbox.sb)
    assignment = grant(sandbox, f"{v.id}/keys/cmk", KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, mi.object_id).name
    cc = CryptographyClient(key.id, sandbox.mi_credential(mi.object_id))
    cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, cc.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"c" * 32).encrypted_key)
    unwrap = [r for r in audit.read(sandbox.sb, v.name) if r["operationName"] == "KeyUnwrap"][-1]
    claim = unwrap["identity"]["claim"]
    assert (claim["oid"], claim["appid"], claim["idtyp"], claim["xms_mirid"]) == \
        (mi.object_id, mi.app_id, "app", mi.mi_resource_id)
    assert unwrap["properties"]["id"] == key.id and unwrap["properties"]["appliedAssignmentId"] == assignment.replace("-", "")
    assert audit.read(sandbox.sb, "no-such-vault") == []


def test_scheduled_rotation_on_the_sandbox_clock(start_sandbox):
    own = start_sandbox()
    with own.activated():
        v = make_vault(own, make_group(own), purge_protection=True, retention=7)
        grant(own, v.id, KEY_VAULT_CRYPTO_OFFICER, own.learner_object_id)
        kc = key_client(own, v)
        first = kc.create_rsa_key("cmk")
        kc.update_key_rotation_policy("cmk", KeyRotationPolicy(expires_in="P210D", lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P6M")]))
        own.advance("P5M")
        assert [p.version for p in kc.list_properties_of_key_versions("cmk")] == [first.properties.version]
        own.advance("P1M")
        versions = list(kc.list_properties_of_key_versions("cmk"))
        assert len(versions) == 2 and versions[0].version == first.properties.version
        rotated = versions[1]
        assert (rotated.expires_on - rotated.created_on).days == 210      # exp = created + expiryTime
        assert kc.get_key("cmk").properties.version == rotated.version
        event = [r for r in audit.read(own.sb, v.name) if r["operationName"] == "KeyRotateIfDue"]
        assert len(event) == 1 and event[0]["properties"]["id"] == f"{v.properties.vault_uri}keys/cmk/{rotated.version}"
        out = subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "audit", "--state", str(own.state_dir),
                              "--vault", v.name], capture_output=True, text=True, check=True).stdout
        lines = [json.loads(line) for line in out.splitlines()]
        assert lines == audit.read(own.sb, v.name)
