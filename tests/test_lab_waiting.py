"""Waiting out role propagation: on a sandbox whose role assignments take effect only after a delay,
Key Vault answers 403 ForbiddenByRbac and `retry_rbac` retries (with a visible countdown line) until
the call succeeds; errors that are not propagation are raised at once."""
from __future__ import annotations

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from helpers import KEY_VAULT_ADMINISTRATOR, grant, key_client, make_group, make_vault, resource_client
from labhelpers import waiting

DELAY = 3


@pytest.fixture
def slow_rbac_vault(start_sandbox):
    """A vault on a sandbox with --rbac-delay, where the learner was just made Key Vault Administrator."""
    handle = start_sandbox("--rbac-delay", str(DELAY))
    with handle.activated():
        vault = make_vault(handle, make_group(handle))
        grant(handle, vault.id, KEY_VAULT_ADMINISTRATOR, handle.learner_object_id)
        yield key_client(handle, vault)


def test_key_creation_waits_for_the_role_to_propagate(slow_rbac_vault, capsys):
    with pytest.raises(HttpResponseError) as refused:
        slow_rbac_vault.create_rsa_key("early", size=2048)
    assert refused.value.status_code == 403 and waiting.propagation_reason(refused.value) == "ForbiddenByRbac"

    started = time.monotonic()
    key = waiting.retry_rbac(slow_rbac_vault.create_rsa_key, "k1", size=2048, what="creating the key",
                             first_delay=1)
    assert key.name == "k1" and time.monotonic() - started < DELAY + 5
    out = capsys.readouterr().out
    assert "creating the key: ForbiddenByRbac, the role assignment is not in effect yet; retrying in 1 s" in out
    assert "✔ creating the key: succeeded on attempt" in out


def test_other_errors_are_not_retried(slow_rbac_vault):
    time.sleep(DELAY)
    calls = []

    def missing():
        calls.append(1)
        return slow_rbac_vault.get_key("no-such-key")
    with pytest.raises(ResourceNotFoundError):
        waiting.retry_rbac(missing, first_delay=1)
    assert calls == [1] and waiting.propagation_reason(ValueError()) is None


def test_retries_stop_at_the_timeout(slow_rbac_vault):
    with pytest.raises(HttpResponseError):
        waiting.retry_rbac(slow_rbac_vault.create_rsa_key, "k2", first_delay=1, timeout=0.5)


def test_a_missing_management_role_fails_at_once(sandbox):
    """ARM's AuthorizationFailed always says "if access was recently granted"; in the lab it means you
    lack a role (e.g. in a subscription where you are only Reader), so it must not wait 15 minutes."""
    client = resource_client(sandbox, sandbox.reader_subscription_id)
    started = time.monotonic()
    with pytest.raises(HttpResponseError) as refused:
        waiting.retry_rbac(client.resource_groups.create_or_update, "not-allowed", {"location": "eastus"},
                           first_delay=1)
    assert refused.value.error.code == "AuthorizationFailed" and time.monotonic() - started < 5
