"""N learners at once on one sandbox (a class on a shared server): each learner is its own process
running the lab's flow with the real SDK clients (resource group, vault with RBAC, a data role for
itself, an RSA key, wrap and unwrap, list, delete). Prints, for 1, 10 and 30 learners, the median and
slowest flow as ratios to one learner alone, the errors, and the sandbox's peak RSS.
Target: 0 errors at 30 learners.

    python benchmarks/load_bench.py [--learners 1 10 30]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import peak_rss_mb, running_sandbox  # noqa: E402

KV_CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"


def flow(learner: str) -> tuple[float, str]:
    """One learner's flow; (seconds, "" or the error)."""
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.keys import KeyClient
    from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.keyvault import KeyVaultManagementClient
    from azure.mgmt.keyvault.models import Sku, VaultCreateOrUpdateParameters, VaultProperties
    from azure.mgmt.resource.resources import ResourceManagementClient

    started = time.perf_counter()
    try:
        sub, tenant = os.environ["AZURE_SUBSCRIPTION_ID"], os.environ["AZURE_TENANT_ID"]
        cred = DefaultAzureCredential()
        group = f"load-{uuid.uuid4().hex[:8]}"
        resources = ResourceManagementClient(cred, sub)
        resources.resource_groups.create_or_update(group, {"location": "eastus"})
        vault = KeyVaultManagementClient(cred, sub).vaults.begin_create_or_update(
            group, f"load{uuid.uuid4().hex[:12]}", VaultCreateOrUpdateParameters(
                location="eastus", properties=VaultProperties(tenant_id=tenant, sku=Sku(family="A", name="standard"),
                                                              enable_rbac_authorization=True))).result()
        AuthorizationManagementClient(cred, sub).role_assignments.create(vault.id, str(uuid.uuid4()), {
            "role_definition_id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                  f"{KV_CRYPTO_OFFICER}", "principal_id": learner})
        keys = KeyClient(vault.properties.vault_uri, cred)
        key = keys.create_rsa_key("cmk", size=2048)
        crypto = CryptographyClient(key, cred)
        wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"k" * 32).encrypted_key
        assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped).key == b"k" * 32
        assert [k.name for k in keys.list_properties_of_keys()] == ["cmk"]
        resources.resource_groups.begin_delete(group).result()
        return time.perf_counter() - started, ""
    except Exception as exc:  # a benchmark counts errors, it does not stop at the first
        return time.perf_counter() - started, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 10, 30])
    counts = parser.parse_args().learners
    rows, errors_at_most = [], 0
    with running_sandbox() as info:
        learner = info["learner_object_id"]
        flow(learner)                                   # warm up: imports, first vault, caches
        base = None
        for n in counts:
            with ProcessPoolExecutor(max_workers=n) as pool:
                started = time.perf_counter()
                results = list(pool.map(flow, [learner] * n))
                wall = time.perf_counter() - started
            times = [t for t, _ in results]
            errors = [e for _, e in results if e]
            median, slowest = statistics.median(times), max(times)
            base = base or median
            rows.append((n, median, slowest, wall, errors))
            errors_at_most = max(errors_at_most, len(errors))
        rss = peak_rss_mb(info["pid"])
    print(f"{'learners':>8} {'median flow':>12} {'ratio':>6} {'slowest':>8} {'ratio':>6} {'wall':>7} {'errors':>6}")
    for n, median, slowest, wall, errors in rows:
        print(f"{n:>8} {median:>10.2f} s {median / base:>5.1f}x {slowest:>6.2f} s {slowest / base:>5.1f}x "
              f"{wall:>5.1f} s {len(errors):>6}")
        for error in sorted(set(errors))[:5]:
            print(f"{'':>10}{error}")
    print(f"sandbox peak RSS: {rss:.1f} MB")
    print("target met (0 errors)" if errors_at_most == 0 else "TARGET MISSED: errors")
    return 0 if errors_at_most == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
