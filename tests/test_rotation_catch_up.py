"""A long `advance` past many due rotations: Azure rotates once at each due time (the new version created
then); the sandbox's catch-up is bounded (its last CATCH_UP due times, PER_REQUEST versions a request),
so one request never runs years of rotations (issue #9: P20Y made 40 versions in one 1.8 s request)."""
from __future__ import annotations

import time

from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction

from helpers import KEY_VAULT_CRYPTO_OFFICER, grant, key_client, make_group, make_vault
from labhelpers.sandbox.providers.keyvault import audit, rotation

WEEK = 7 * 86400


def test_a_long_advance_rotates_at_the_last_due_times_only_once_each(start_sandbox):
    own = start_sandbox()
    with own.activated():
        v = make_vault(own, make_group(own))
        grant(own, v.id, KEY_VAULT_CRYPTO_OFFICER, own.learner_object_id)
        kc = key_client(own, v)
        names = ["weekly-a", "weekly-b"]
        for name in names:
            kc.create_ec_key(name)
            kc.update_key_rotation_policy(name, KeyRotationPolicy(lifetime_actions=[
                KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P7D")]))
        own.advance("P10Y")                       # ~520 due times per key
        now = own.sb.clock.now()
        started = time.monotonic()
        assert rotation._on_clock(own.sb, now) is True        # more due than one request makes
        assert time.monotonic() - started < 30
        for name in names:                                     # each request goes on from there
            versions = sorted(kc.list_properties_of_key_versions(name), key=lambda p: p.created_on)
            assert len(versions) == 1 + rotation.CATCH_UP, name
            created = [p.created_on.timestamp() for p in versions[1:]]
            assert all(round(b - a) == WEEK for a, b in zip(created, created[1:])), name   # once per due time
            assert now - WEEK < created[-1] <= now, name
        rotated = [r for r in audit.read(own.sb, v.name) if r["operationName"] == "KeyRotateIfDue"]
        assert len(rotated) == 2 * rotation.CATCH_UP
        assert rotation._on_clock(own.sb, now) is False       # done once: nothing is due twice
        assert len(list(kc.list_properties_of_key_versions(names[0]))) == 1 + rotation.CATCH_UP
