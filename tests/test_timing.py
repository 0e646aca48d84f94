"""The azure timing profile (`serve --timing azure --time-scale F`): long operations answer as Azure's
recordings show, provisioning states move on the sandbox clock, the SDK's pollers follow them to the
end, a deleted key shows on /deletedkeys only after a moment, and roles propagate late on the data
plane. Real SDK clients over HTTP; the fast profile is what every other test runs."""
from __future__ import annotations

import time

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
from azure.core.rest import HttpRequest

from helpers import (ARM, KEY_VAULT_CRYPTO_OFFICER, cognitive_client, grant, key_client, make_group, make_vault,
                     new_account, resource_client, unique, vault_client)
from specs import Capture

SCALE = "0.05"          # Azure's 20 s account create takes 1 s


@pytest.fixture(scope="module")
def azure_timed(tmp_path_factory):
    from conftest import SandboxHandle
    handle = SandboxHandle(tmp_path_factory.mktemp("timed"), "--timing", "azure", "--time-scale", SCALE).start()
    with handle.activated():
        yield handle
    handle.stop()


def test_account_create_and_update_are_asynchronous_as_in_azure(azure_timed):
    group = make_group(azure_timed)
    cs, cap = cognitive_client(azure_timed), Capture()
    name = unique("ais-")
    poller = cs.accounts.begin_create(group, name, {
        "kind": "AIServices", "sku": {"name": "S0"}, "location": "eastus", "identity": {"type": "SystemAssigned"},
        "properties": {"customSubDomainName": name}}, raw_response_hook=cap)
    first_status, first = cap.responses[0]
    assert first_status == 201 and first["properties"]["provisioningState"] == "Creating"
    headers = cap._responses[0].headers
    assert "/providers/Microsoft.CognitiveServices/locations/eastus/operationResults/" in headers["Azure-AsyncOperation"]
    assert int(headers["Retry-After"]) >= 1
    assert cs.accounts.get(group, name).properties.provisioning_state == "Creating"     # on the clock
    account = poller.result()
    assert account.properties.provisioning_state == "Succeeded"
    statuses = [b.get("status") for s, b in cap.responses[1:] if b and "status" in b]
    assert statuses[0] == "Creating" and statuses[-1] == "Succeeded"      # as the recorded polls say
    cap = Capture()
    poller = cs.accounts.begin_update(group, name, {"tags": {"x": "1"}}, raw_response_hook=cap)
    assert cap.responses[0][0] == 202 and cap.responses[0][1]["properties"]["provisioningState"] == "Accepted"
    assert poller.result().tags == {"x": "1"}


def test_vault_registers_dns_and_purges_and_group_deletes_are_202(azure_timed):
    group = make_group(azure_timed)
    cap = Capture()
    vault = vault_client(azure_timed).vaults.begin_create_or_update(group, unique(), {
        "location": "eastus", "properties": {"tenantId": azure_timed.tenant_id, "sku": {"family": "A", "name": "standard"}}},
        raw_response_hook=cap).result()
    assert cap.responses[0][0] == 200 and cap.responses[0][1]["properties"]["provisioningState"] == "RegisteringDns"
    assert vault.properties.provisioning_state == "Succeeded"
    vault_client(azure_timed).vaults.delete(group, vault.name)
    cap = Capture()
    vault_client(azure_timed).vaults.begin_purge_deleted(vault.name, "eastus", raw_response_hook=cap).result()
    assert [s for s, _ in cap.responses][0] == 202 and cap.responses[-1][0] == 200
    cs = cognitive_client(azure_timed)
    account = new_account(cs, group, identity=None)
    cs.accounts.begin_delete(group, account.name).result()
    cap = Capture()
    cs.deleted_accounts.begin_purge("eastus", group, account.name, raw_response_hook=cap).result()
    assert cap.responses[0][0] == 202 and cap.responses[-1][0] == 200
    cap = Capture()
    resource_client(azure_timed).resource_groups.begin_delete(group, raw_response_hook=cap).result()
    assert [s for s, _ in cap.responses][:2] == [202, 202] and cap.responses[-1][0] == 200
    assert not resource_client(azure_timed).resource_groups.check_existence(group)


def test_deleted_key_shows_late_and_roles_propagate_late(azure_timed):
    group = make_group(azure_timed)
    vault = make_vault(azure_timed, group)
    grant(azure_timed, vault.id, KEY_VAULT_CRYPTO_OFFICER, azure_timed.learner_object_id)
    kc = key_client(azure_timed, vault)
    with pytest.raises(HttpResponseError) as err:       # the role is not there yet (propagation)
        kc.create_rsa_key("k")
    assert err.value.status_code == 403 and "propagation" in err.value.message
    deadline = time.monotonic() + 30
    while True:
        try:
            kc.create_rsa_key("k")
            break
        except HttpResponseError:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    kc.begin_delete_key("k")
    client = PipelineClient(vault.properties.vault_uri, policies=[
        BearerTokenCredentialPolicy(azure_timed.credential(), "https://vault.azure.net/.default"), RetryPolicy(total=0)])
    url = vault.properties.vault_uri.rstrip("/") + "/deletedkeys/k"
    assert client.send_request(HttpRequest("GET", url, params={"api-version": "7.6"})).status_code == 404
    deadline = time.monotonic() + 30
    while client.send_request(HttpRequest("GET", url, params={"api-version": "7.6"})).status_code == 404:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert kc.get_deleted_key("k").name == "k"


def test_a_get_of_an_unknown_operation_is_404(azure_timed):
    client = PipelineClient(ARM, policies=[BearerTokenCredentialPolicy(azure_timed.credential(), f"{ARM}/.default"),
                                           RetryPolicy(total=0)])
    url = (f"{ARM}/subscriptions/{azure_timed.subscription_id}/providers/Microsoft.CognitiveServices/locations/eastus"
           f"/operationResults/{unique('')}")
    assert client.send_request(HttpRequest("GET", url, params={"api-version": "2025-09-01"})).status_code == 404
