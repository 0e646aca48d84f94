"""Key Vault through the sandbox vs. the same cryptography done in-process (the floor).

Starts its own sandbox (`python -m labhelpers.sandbox serve`), points this process at it the way
`python -m labhelpers.sandbox env` says, then times with the real SDK clients:
  - RSA-2048 key creation (KeyClient.create_rsa_key)       vs rsa.generate_private_key
  - one unwrap (CryptographyClient.unwrap_key, RSA-OAEP)     vs private_key.decrypt
  - one ARM GET (KeyVaultManagementClient.vaults.get)
Target: sandbox median <= 2 x floor median + one ARM GET median.

    python benchmarks/keyvault_bench.py [-n 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import running_sandbox  # noqa: E402

KV_CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"


def median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="repetitions per measurement (median reported)")
    n = parser.parse_args().n
    with running_sandbox() as info:
        run(n, info["learner_object_id"])


def run(n: int, learner: str) -> None:
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.keys import KeyClient
    from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.keyvault import KeyVaultManagementClient
    from azure.mgmt.keyvault.models import Sku, VaultCreateOrUpdateParameters, VaultProperties
    from azure.mgmt.resource.resources import ResourceManagementClient
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    sub, tenant = os.environ["AZURE_SUBSCRIPTION_ID"], os.environ["AZURE_TENANT_ID"]
    cred = DefaultAzureCredential()
    ResourceManagementClient(cred, sub).resource_groups.create_or_update("bench", {"location": "eastus"})
    mgmt = KeyVaultManagementClient(cred, sub)
    vault = mgmt.vaults.begin_create_or_update("bench", f"bench{uuid.uuid4().hex[:8]}", VaultCreateOrUpdateParameters(
        location="eastus", properties=VaultProperties(tenant_id=tenant, sku=Sku(family="A", name="standard"),
                                                      enable_rbac_authorization=True))).result()
    AuthorizationManagementClient(cred, sub).role_assignments.create(vault.id, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"
                              f"{KV_CRYPTO_OFFICER}", "principal_id": learner})
    kc = KeyClient(vault.properties.vault_uri, cred)
    key = kc.create_rsa_key("warmup", size=2048)                  # challenge + token fetched once
    cc = CryptographyClient(key, cred)
    wrapped = cc.wrap_key(KeyWrapAlgorithm.rsa_oaep, os.urandom(32)).encrypted_key
    for _ in range(10):                                            # warm connections and caches
        cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped)
        mgmt.vaults.get("bench", vault.name)

    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    local = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    local_wrapped = local.public_key().encrypt(os.urandom(32), oaep)

    arm_get = median_ms(lambda: mgmt.vaults.get("bench", vault.name), n)
    rows = [("create RSA-2048 key", median_ms(lambda: kc.create_rsa_key("bench", size=2048), n),
             median_ms(lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), n)),
            ("unwrap (RSA-OAEP)", median_ms(lambda: cc.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped), n),
             median_ms(lambda: local.decrypt(local_wrapped, oaep), n))]
    print(f"Key Vault sandbox benchmark (median of {n})")
    print(f"{'operation':<22}{'sandbox ms':>12}{'floor ms':>10}{'target ms':>11}  ok")
    for name, sandbox_ms, floor_ms in rows:
        target = 2 * floor_ms + arm_get
        verdict = "yes" if sandbox_ms <= target else "NO"
        print(f"{name:<22}{sandbox_ms:>12.2f}{floor_ms:>10.2f}{target:>11.2f}  {verdict}")
    print(f"{'ARM GET vault':<22}{arm_get:>12.2f}")


if __name__ == "__main__":
    main()
