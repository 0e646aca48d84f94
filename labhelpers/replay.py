"""`ensure_done` (and `ensure_cmk`, for 05): the state a notebook of the exercise ends in, made when it is
not there, so that any later notebook can be opened straight after 00-setup. The checks of 01 up to that
notebook decide whether anything is missing; if so, those steps are replayed with the SDK, compactly (the
notebooks keep these calls visible for teaching): the same definitions, the same deterministic
role-assignment names, the same waiting for propagation. Every call is idempotent, so a replay over a
complete lab changes nothing."""
from __future__ import annotations

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.keys import KeyClient, KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (Account, AccountProperties, Encryption, Identity,
                                                 KeyVaultProperties, Project, ProjectProperties)
from azure.mgmt.cognitiveservices.models import Sku as AccountSku
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import Sku, VaultCreateOrUpdateParameters, VaultProperties
from azure.mgmt.resource.resources import ResourceManagementClient

from . import checks, choices
from .errors import LabError
from .refusals import describe, inner_code
from .roles import ENCRYPTION_USER, KV_ADMINISTRATOR, grant
from .waiting import retry_rbac, wait

EXERCISE = ("01-create-key-vault", "02-generate-key", "03-create-foundry-resource", "04-grant-key-access",
            "05-configure-cmk")
END_OF_05 = tuple(checks.of_notebooks(EXERCISE[0], EXERCISE[-1]))
# What the lab holds at the end of 00-setup and of each notebook of the exercise, said once it is there
DONE = ("your names are chosen: key vault {key_vault_name}, Foundry resource {foundry_name}",
        "your resource group {resource_group} and key vault {key_vault_name} exist",
        "your key vault {key_vault_name} holds your key {key_name}, with its rotation policy",
        "your key {key_name} and the Foundry resource {foundry_name}, with its project, exist",
        "the Foundry resource's identity may use your key {key_name}",
        "{foundry_name} is encrypted with the latest version of your key {key_name}")


def ensure_done(cfg, through: str) -> None:
    """Bring the lab to the end state of notebook `through` ("00" to "05") if it is not there, by replaying
    01 up to it; then say where the lab stands. After 99-cleanup the old vault name stays held while the
    vault is soft-deleted: the lab starts over with fresh names, and says so (all that "00" does)."""
    last = next((i for i, name in enumerate(("00-setup", *EXERCISE)) if name.startswith(through)), None)
    if last is None:
        raise ValueError(f"through={through!r}: one of 00, {', '.join(n[:2] for n in EXERCISE)}")
    steps = f"01-{through}" if last > 1 else "01"
    needed = checks.of_notebooks(EXERCISE[0], EXERCISE[last - 1]) if last else []
    _start_over_if_cleaned_up(cfg)
    if not all(checks.evaluate(name).passed for name in needed):
        print(f"Some of {steps} is missing or changed: replaying {steps} (each step keeps what is already right).")
        try:
            _replay(cfg, through=last)
        except HttpResponseError as refusal:         # Azure's answer, and what to do: not a traceback
            raise LabError(f"replaying {steps} stopped: Azure answered {describe(refusal)}\n→ "
                           + (FIREWALL if inner_code(refusal) == "ForbiddenByFirewall" else
                              "fix what Azure says (or open that step's notebook), then run this cell again")) from None
        red = [result for result in map(checks.evaluate, needed) if not result.passed]
        if red:
            red[0]._ipython_display_()
            raise LabError(f"check {red[0].name!r} is still red after replaying {steps}: fix it as its table says "
                           "(or open that notebook), then run this cell again")
    names = {k: getattr(cfg, k) for k in ("resource_group", "key_vault_name", "key_name", "foundry_name")}
    print(f"✅ The lab is where {through} ends: {DONE[last].format(**names)}.")


FIREWALL = ("the vault's firewall refuses your address (10 lets in only the address you allowed): run 10's "
            "allow cell again from where you are now, then run this cell again")


def ensure_cmk(cfg) -> None:
    """Bring the lab to the end state of 05 (your key vault and key, the Foundry resource encrypted with
    the key's latest version), as `ensure_done(cfg, "05")`: where the notebooks beyond the exercise start."""
    ensure_done(cfg, "05")


def _start_over_if_cleaned_up(s) -> None:
    """99-cleanup ran: this lab home's vault is soft-deleted (purge protection holds its name), so new
    names are chosen (a vault name, and a Foundry name if the old one is still held) and saved."""
    kv = KeyVaultManagementClient(s.credential, s.subscription_id)
    try:
        kv.vaults.get(s.resource_group, s.key_vault_name)
        return
    except ResourceNotFoundError:
        pass
    deleted = next((d for d in kv.vaults.list_deleted() if (d.name or "").lower() == s.key_vault_name.lower()), None)
    if deleted is None:
        return                                   # never created: the replay creates it under this name
    fresh = {"key_vault_name": choices.propose_vault_name(s.credential, s.subscription_id, s.resource_group)}
    if not choices.check_foundry_name(s.credential, s.subscription_id, s.resource_group, s.foundry_name).ok:
        fresh["foundry_name"] = choices.propose_foundry_name(s.credential, s.subscription_id, s.resource_group)
    until = deleted.properties.scheduled_purge_date if deleted.properties else None
    print(f"Your vault {s.key_vault_name} is deleted (by 99-cleanup, or by hand) and stays soft-deleted (its name "
          f"taken) until {f'{until:%Y-%m-%d}' if until else 'its retention ends'}. Starting over with fresh names: "
          + ", ".join(f"{NAMES[k]} {v}" for k, v in fresh.items()) + " (saved for the next notebooks).")
    s.update(**fresh)


NAMES = {"key_vault_name": "key vault", "foundry_name": "Foundry resource"}


def _replay(s, through: int = 5) -> None:
    """Steps 01 to `through` (1-5), in order: each needs what the ones before it made."""
    credential, sub = s.credential, s.subscription_id
    auth = AuthorizationManagementClient(credential, sub)
    cs = CognitiveServicesManagementClient(credential, sub)
    # 01: the resource group (kept as it is when this lab home did not make it) and the vault
    groups = ResourceManagementClient(credential, sub).resource_groups
    if not groups.check_existence(s.resource_group):
        groups.create_or_update(s.resource_group, {"location": s.region, "tags": s.tags})
    vault = wait(KeyVaultManagementClient(credential, sub).vaults.begin_create_or_update(
        s.resource_group, s.key_vault_name, VaultCreateOrUpdateParameters(location=s.region, tags=s.tags,
                                                                          properties=VaultProperties(
            tenant_id=s.tenant_id, sku=Sku(family="A", name="standard"), enable_soft_delete=True,
            soft_delete_retention_in_days=7, enable_purge_protection=True, enable_rbac_authorization=True,
            public_network_access="Enabled"))), "01: the key vault")
    if through == 1:
        return
    # 02: you as Key Vault Administrator, the key (enabled), its rotation policy
    grant(auth, vault.id, KV_ADMINISTRATOR, s.learner_object_id, s.learner_principal_type)
    keys = KeyClient(vault.properties.vault_uri, credential)
    key = retry_rbac(_enabled_key, keys, s.key_name, s.tags, what="02: the key")
    keys.update_key_rotation_policy(s.key_name, KeyRotationPolicy(expires_in="P210D", lifetime_actions=[
        KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P6M")]))
    if through == 2:
        return
    # 03: the Foundry resource (kept as it is when it exists) and its default project
    try:
        account = cs.accounts.get(s.resource_group, s.foundry_name)
    except ResourceNotFoundError:
        account = wait(cs.accounts.begin_create(s.resource_group, s.foundry_name, Account(
            location=s.region, kind="AIServices", sku=AccountSku(name="S0"), identity=Identity(type="SystemAssigned"),
            tags=s.tags, properties=AccountProperties(
                custom_sub_domain_name=s.foundry_name, allow_project_management=True, disable_local_auth=True,
                public_network_access="Enabled"))), "03: the Foundry resource")
    wait(cs.projects.begin_create(s.resource_group, s.foundry_name, s.project_name, Project(
        location=s.region, identity=Identity(type="SystemAssigned"), tags=s.tags,
        properties=ProjectProperties(display_name=s.project_name, description="CMK lab project"))), "03: the project")
    if through == 3:
        return
    # 04: the Foundry identity may use this one key
    if account.identity is None or not account.identity.principal_id:
        raise LabError("03 made the Foundry resource without its system-assigned identity; run 03 again")
    grant(auth, f"{vault.id}/keys/{s.key_name}", ENCRYPTION_USER, account.identity.principal_id, "ServicePrincipal")
    if through == 4:
        return
    # 05: the resource encrypted with the key's latest version
    change = Account(properties=AccountProperties(encryption=Encryption(
        key_source="Microsoft.KeyVault", key_vault_properties=KeyVaultProperties(
            key_vault_uri=vault.properties.vault_uri, key_name=key.name, key_version=key.properties.version))))
    retry_rbac(cs.accounts.begin_update, s.resource_group, s.foundry_name, change, key_access=True,
               what="05: the Foundry resource's encryption with your key")


def _enabled_key(keys: KeyClient, name: str, tags: dict):
    """The key as 02 leaves it: created once, and its latest version enabled (08 disables it)."""
    try:
        key = keys.get_key(name)
    except ResourceNotFoundError:
        return keys.create_rsa_key(name, size=2048, enabled=True, tags=tags)
    if not key.properties.enabled:
        keys.update_key_properties(name, key.properties.version, enabled=True)
    return key
