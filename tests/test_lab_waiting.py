"""Waiting out role propagation: on a sandbox whose role assignments take effect only after a delay,
Key Vault answers 403 ForbiddenByRbac and `retry_rbac` retries (with a visible countdown line) until
the call succeeds; errors that are not propagation are raised at once."""
from __future__ import annotations

import time

import pytest
from azure.core.exceptions import HttpResponseError, ODataV4Format, ResourceNotFoundError
from azure.core.polling import LROPoller, PollingMethod

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


class _EndsWithAKeyVaultCall(PollingMethod):
    """A long operation whose outcome is known only when it ends, as Azure's 202 then a failed poll:
    its end is a real Key Vault call (create the key), refused while the role propagates."""

    def initialize(self, client, initial_response, deserialization_callback):
        self._keys, self._name, self._key = client, initial_response, None

    def run(self):
        self._key = self._keys.create_rsa_key(self._name, size=2048)

    def status(self):
        return "Succeeded" if self._key else "InProgress"

    def finished(self):
        return self._key is not None

    def resource(self):
        return self._key


def test_the_whole_long_operation_is_retried_and_the_wait_reported(slow_rbac_vault, capsys):
    """Accepted at once, refused when it ends: retrying only the begin_ call would hand back a poller
    that fails later, outside the retry."""
    def begin_create_key(name):
        return LROPoller(slow_rbac_vault, name, lambda response: response, _EndsWithAKeyVaultCall())

    key = waiting.retry_rbac(begin_create_key, "k3", what="creating the key at the end", first_delay=1)
    assert key.name == "k3" and key.key_type == "RSA"
    out = capsys.readouterr().out
    hint = next(line for line in out.splitlines() if "If this persists" in line)
    assert "ForbiddenByRbac" in hint and "up to 10 minutes" in hint            # printed once, kept on screen
    assert out.count("If this persists") == 1
    assert "✔ creating the key at the end: succeeded on attempt" in out and "s for the role assignment" in out


def _refusal(status: int, code: str, message: str) -> HttpResponseError:
    error = HttpResponseError(message=message)
    error.status_code, error.error = status, ODataV4Format({"code": code, "message": message})
    return error


def test_a_key_access_refusal_counts_as_propagation_only_for_the_cmk_switch():
    """Azure documents no code for the CMK switch refused while the identity's role propagates: with
    key_access, a refusal that speaks of access to the vault counts; a configuration error never."""
    access = _refusal(400, "SomeUndocumentedCode", "Unable to access key vault resource 'https://v.vault.azure.net'")
    assert waiting.propagation_reason(access) is None
    assert waiting.propagation_reason(access, key_access=True) == "SomeUndocumentedCode"
    for wrong in ("The encryption key must be recoverable and not purgeable",
                  "KeyVaultProperties is invalid: keyName is required",
                  "The key vault 'v' is in region 'westus' but account 'a' is in 'eastus'"):
        assert waiting.propagation_reason(_refusal(400, "BadRequest", wrong), key_access=True) is None
    relayed = _refusal(400, "Undocumented", "Refused by Key Vault: Caller is not authorized... please observe "
                                            "propagation time")
    assert waiting.propagation_reason(relayed) == "Undocumented"
    assert waiting.propagation_reason(HttpResponseError(message="502 with no JSON body")) is None
