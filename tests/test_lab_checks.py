"""Every check turns red when its piece of state is broken. The lab is built by running the notebooks'
own code cells in this process (against a sandbox the lab starts); each test then breaks one thing
through the SDK, runs the check, asserts the red line and its advice, repairs, and sees green again."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
from azure.keyvault.keys import KeyClient, KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import (Sku, VaultCreateOrUpdateParameters, VaultPatchParameters, VaultPatchProperties,
                                       VaultProperties)
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity
from azure.mgmt.resource.resources import ResourceManagementClient

from helpers import unique
from labhelpers import checks, naming, session
from labhelpers.errors import CheckFailed
from labhelpers.keyaudit import key_audit
from labhelpers.labtime import lab_now
from labhelpers.replay import END_OF_05, ensure_cmk
from labhelpers.roles import OPENAI_USER

pytestmark = pytest.mark.xdist_group("test_lab_checks")   # one worker per module: it starts its own sandbox

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook_here(name: str) -> dict:
    """Execute a notebook's code cells in this process, as papermill would in a kernel."""
    namespace: dict = {}
    for cell in nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, f"{name}.ipynb", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def lab(lab_home, monkeypatch_module):
    monkeypatch_module.setenv("CMKLAB_HEADLESS", "1")         # a red check while building fails the build
    for name in ("00-setup", "01-create-key-vault", "02-generate-key", "03-create-foundry-resource",
                 "04-grant-key-access", "05-configure-cmk"):
        run_notebook_here(name)
    monkeypatch_module.delenv("CMKLAB_HEADLESS")
    cfg = session.current()
    credential = cfg.credential
    kv = KeyVaultManagementClient(credential, cfg.subscription_id)
    vault = kv.vaults.get(cfg.resource_group, cfg.key_vault_name)
    return {"kv": kv, "vault": vault,
            "keys": KeyClient(vault.properties.vault_uri, credential),
            "cs": CognitiveServicesManagementClient(credential, cfg.subscription_id),
            "auth": AuthorizationManagementClient(credential, cfg.subscription_id),
            "resources": ResourceManagementClient(credential, cfg.subscription_id)}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def red(name: str, what: str) -> checks.Line:
    result = checks.evaluate(name)
    assert not result.passed, result.text()
    line = next(l for l in result.lines if l.what == what)
    assert not line.ok and line.advice, result.text()
    return line


def green(name: str) -> checks.Result:
    result = checks.evaluate(name)
    assert result.passed, result.text()
    return result


def test_the_built_lab_is_green_and_recorded(lab, lab_home):
    names = ["00-setup", "01-resource-group", "01-key-vault", "02-administrator", "02-key", "02-rotation-policy",
             "03-foundry-resource", "03-project", "04-key-access", "05-cmk"]
    for name in names:
        green(name)
    recorded = checks.recorded()
    assert set(names) <= set(recorded) and all(recorded[n]["passed"] for n in names)
    assert (lab_home / "checks" / "01-key-vault.json").exists()


def test_a_red_check_raises_headless(lab, monkeypatch):
    """Outside a Jupyter front end (papermill, nbval, a script) a red check stops the run."""
    cfg = session.current()
    monkeypatch.setattr(cfg, "project_name", "no-such-project")
    assert not checks.evaluate("03-project").passed             # evaluating alone never raises
    with pytest.raises(CheckFailed) as caught:
        checks.check("03-project")
    assert "03-project" in str(caught.value) and "project" in caught.value.result.summary
    assert caught.value._render_traceback_()[0].startswith("CheckFailed: check '03-project' is red")


def test_setup_red_for_a_subscription_where_you_are_only_reader(lab, sandbox_reader_subscription):
    cfg = session.current()
    owner_subscription = cfg.subscription_id
    cfg.subscription_id = sandbox_reader_subscription
    cfg._cache.pop("subscription", None)
    try:
        assert "Owner" in red("00-setup", "your role").advice
    finally:
        cfg.subscription_id = owner_subscription
        cfg._cache.pop("subscription", None)
    green("00-setup")


@pytest.fixture
def sandbox_reader_subscription(lab):
    from azure.mgmt.resource.subscriptions import SubscriptionClient
    subs = SubscriptionClient(session.current().credential).subscriptions.list()
    return next(s.subscription_id for s in subs if s.display_name == "Read-only Subscription")


def test_setup_red_for_a_region_without_foundry(lab, monkeypatch):
    monkeypatch.setattr(session.current(), "region", "westcentralus")  # Key Vault yes, AI Services no
    assert "eastus" in red("00-setup", "region").advice


def test_vault_red_without_the_rbac_permission_model(lab):
    cfg, kv = session.current(), lab["kv"]
    kv.vaults.update(cfg.resource_group, cfg.key_vault_name,
                     VaultPatchParameters(properties=VaultPatchProperties(enable_rbac_authorization=False)))
    try:
        line = red("01-key-vault", "permission model")
        assert line.detail == "vault access policies" and "enable_rbac_authorization=True" in line.advice
    finally:
        kv.vaults.update(cfg.resource_group, cfg.key_vault_name,
                         VaultPatchParameters(properties=VaultPatchProperties(enable_rbac_authorization=True)))
    green("01-key-vault")


def test_administrator_red_when_your_role_is_removed(lab):
    cfg, auth, vault = session.current(), lab["auth"], lab["vault"]
    role = next(auth.role_definitions.list(vault.id, filter="roleName eq 'Key Vault Administrator'"))
    name = naming.assignment_name(vault.id, cfg.learner_object_id, role.id)
    auth.role_assignments.delete(vault.id, name)
    try:
        assert red("02-administrator", "Key Vault Administrator").detail == "not assigned to you"
    finally:
        auth.role_assignments.create(vault.id, name, RoleAssignmentCreateParameters(
            role_definition_id=role.id, principal_id=cfg.learner_object_id, principal_type="User"))
    green("02-administrator")


def test_key_red_when_disabled(lab):
    cfg, keys = session.current(), lab["keys"]
    keys.update_key_properties(cfg.key_name, enabled=False)
    try:
        assert "enabled=True" in red("02-key", "enabled").advice
    finally:
        keys.update_key_properties(cfg.key_name, enabled=True)
    green("02-key")


def test_rotation_policy_red_when_changed(lab):
    cfg, keys = session.current(), lab["keys"]
    keys.update_key_rotation_policy(cfg.key_name, KeyRotationPolicy(
        expires_in="P1Y", lifetime_actions=[KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate,
                                                                      time_after_create="P3M")]))
    try:
        assert red("02-rotation-policy", "automatic rotation").detail == "P3M after creation"
        assert red("02-rotation-policy", "expiry time").detail == "P1Y"
    finally:
        run_notebook_here("02-generate-key")                  # the notebook repairs it
    green("02-rotation-policy")


def test_project_red_when_deleted(lab):
    cfg, cs = session.current(), lab["cs"]
    cs.projects.begin_delete(cfg.resource_group, cfg.foundry_name, cfg.project_name).result()
    try:
        assert red("03-project", "project").detail.endswith("not found")
    finally:
        run_notebook_here("03-create-foundry-resource")
    green("03-project")
    green("03-foundry-resource")


def test_key_access_red_without_the_role_and_with_too_much(lab):
    cfg, auth, vault, cs = session.current(), lab["auth"], lab["vault"], lab["cs"]
    key_scope = f"{vault.id}/keys/{cfg.key_name}"
    identity = cs.accounts.get(cfg.resource_group, cfg.foundry_name).identity.principal_id
    role = next(auth.role_definitions.list(key_scope, filter="roleName eq 'Key Vault Crypto Service Encryption User'"))
    auth.role_assignments.delete(key_scope, naming.assignment_name(key_scope, identity, role.id))
    assert red("04-key-access", "Key Vault Crypto Service Encryption User").detail == \
        "not assigned to the Foundry identity"
    run_notebook_here("04-grant-key-access")
    green("04-key-access")

    broader = next(auth.role_definitions.list(vault.id, filter="roleName eq 'Key Vault Crypto User'"))
    extra = naming.assignment_name(vault.id, identity, broader.id)
    auth.role_assignments.create(vault.id, extra, RoleAssignmentCreateParameters(
        role_definition_id=broader.id, principal_id=identity, principal_type="ServicePrincipal"))
    try:
        line = red("04-key-access", "least privilege")
        assert line.detail == "Key Vault Crypto User" and "remove" in line.advice
    finally:
        auth.role_assignments.delete(vault.id, extra)
    green("04-key-access")


def test_cmk_red_after_a_rotation_until_the_resource_follows(lab):
    cfg, keys = session.current(), lab["keys"]
    keys.rotate_key(cfg.key_name)
    assert "newer version" in red("05-cmk", "key version").advice
    run_notebook_here("05-configure-cmk")                     # rotate, then update: the documented way
    green("05-cmk")


def test_cleanup_checks_follow_the_deletion(lab):
    """On a second resource group of its own (tests may run in any order): red before cleanup,
    green after the notebook's own cells."""
    cfg = session.current()
    kept = {name: getattr(cfg, name) for name in ("resource_group", "key_vault_name", "foundry_name")}
    cfg.update(resource_group="cleanup-RG", foundry_name=unique("cleanup-"),
               key_vault_name=naming.proposed_vault_name())
    try:
        run_notebook_here("01-create-key-vault")
        run_notebook_here("03-create-foundry-resource")
        cfg = session.current()
        assert cfg.foundry_name in red("99-deleted", "your resources").detail
        lab["resources"].resource_groups.begin_delete(cfg.resource_group).result()
        assert red("01-resource-group", "resource group").detail.endswith("not found")
        green("99-deleted")
        assert "purge" in red("99-purged", "Foundry resource").advice   # soft-deleted, not purged yet
        run_notebook_here("99-cleanup")
        green("99-purged")
        line = next(l for l in checks.evaluate("99-purged").lines if l.what == "key vault")
        assert "purge protection holds it" in line.detail
    finally:
        session.current().update(**kept)


def test_cleanup_in_a_shared_group_deletes_only_this_homes_resources(lab, capsys):
    """A classmate's vault and identity in the same group: 99 deletes this lab home's vault, Foundry resource
    and user-assigned identity (09's), keeps the group and the classmate's resources, and says why."""
    cfg = session.current()
    kept = {name: getattr(cfg, name) for name in ("resource_group", "key_vault_name", "foundry_name")}
    cfg.update(resource_group="shared-RG", foundry_name=unique("shared-"), key_vault_name=naming.proposed_vault_name())
    classmate = naming.proposed_vault_name()
    try:
        run_notebook_here("01-create-key-vault")
        run_notebook_here("03-create-foundry-resource")
        cfg = session.current()
        lab["kv"].vaults.begin_create_or_update(cfg.resource_group, classmate, VaultCreateOrUpdateParameters(
            location=cfg.region, tags=naming.lab_tags(cfg.learner_object_id, "classmate"),
            properties=VaultProperties(tenant_id=cfg.tenant_id, sku=Sku(family="A", name="standard")))).result()
        identities = ManagedServiceIdentityClient(cfg.credential, cfg.subscription_id).user_assigned_identities
        identities.create_or_update(cfg.resource_group, cfg.identity_name, Identity(location=cfg.region, tags=cfg.tags))
        theirs = identities.create_or_update(cfg.resource_group, naming.user_identity_name(unique("theirs-")), Identity(
            location=cfg.region, tags=naming.lab_tags(cfg.learner_object_id, "classmate"))).name
        capsys.readouterr()
        run_notebook_here("99-cleanup")
        out = capsys.readouterr().out
        assert f"Not deleting the resource group {cfg.resource_group}: it also holds {classmate}" in out
        assert f"{cfg.identity_name}: deleted" in out
        left = {r.name for r in lab["resources"].resources.list_by_resource_group(cfg.resource_group)}
        assert left == {classmate, theirs}
        assert "kept: " in green("99-deleted").lines[-1].detail
    finally:
        session.current().update(**kept)


def test_01_answers_a_group_in_another_region_with_a_clear_line(lab, capsys):
    cfg = session.current()
    kept = {name: getattr(cfg, name) for name in ("resource_group", "key_vault_name")}
    group = unique("elsewhere-")
    lab["resources"].resource_groups.create_or_update(group, {"location": "westeurope", "tags": cfg.tags})
    cfg.update(resource_group=group, key_vault_name=naming.proposed_vault_name())
    try:
        capsys.readouterr()
        run_notebook_here("01-create-key-vault")            # no traceback: the refusal is explained
        out = capsys.readouterr().out
        assert "Azure answered 409 InvalidResourceGroupLocation" in out and "a group's region never changes" in out
        assert "westeurope" in green("01-resource-group").lines[0].detail
    finally:
        session.current().update(**kept)


def test_ensure_cmk_replays_01_to_05_when_missing_and_changes_nothing_after(lab, capsys):
    """On a resource group of its own: an empty one is brought to the end of 05; a disabled key (08
    stopped half-way) is enabled again; a complete lab is left as it is."""
    cfg, kv = session.current(), lab["kv"]
    kept = {name: getattr(cfg, name) for name in ("resource_group", "key_vault_name", "foundry_name")}
    cfg.update(resource_group="replay-RG", foundry_name=unique("replay-"),
               key_vault_name=naming.proposed_vault_name())
    try:
        ensure_cmk(cfg)
        assert "replaying 01-05" in capsys.readouterr().out
        for name in END_OF_05:
            green(name)
        keys = KeyClient(kv.vaults.get(cfg.resource_group, cfg.key_vault_name).properties.vault_uri, cfg.credential)
        keys.update_key_properties(cfg.key_name, enabled=False)
        ensure_cmk(cfg)
        assert "replaying 01-05" in capsys.readouterr().out
        green("02-key")
        before = [(v.version, v.enabled) for v in keys.list_properties_of_key_versions(cfg.key_name)]
        ensure_cmk(cfg)
        out = capsys.readouterr().out
        assert "replaying" not in out and out.startswith("✅ The lab is where 05 ends")
        assert before == [(v.version, True) for v in keys.list_properties_of_key_versions(cfg.key_name)]
        assert len(before) == 1
    finally:
        session.current().update(**kept)


def test_rotated_red_until_the_resource_follows_and_while_an_old_version_is_disabled(lab):
    cfg, keys = session.current(), lab["keys"]
    run_notebook_here("07-rotate-the-key")
    green("07-rotated")
    newest = keys.rotate_key(cfg.key_name).properties.version       # as the policy does on schedule
    line = red("07-rotated", "key version in use")
    assert line.detail.endswith("(an older one)") and "update cell" in line.advice
    run_notebook_here("05-configure-cmk")                     # the same update
    green("07-rotated")
    older = next(v.version for v in keys.list_properties_of_key_versions(cfg.key_name) if v.version != newest)
    keys.update_key_properties(cfg.key_name, older, enabled=False)
    try:
        line = red("07-rotated", "older versions")
        assert line.detail == f"disabled: {older}" and "enabled=True" in line.advice
    finally:
        keys.update_key_properties(cfg.key_name, older, enabled=True)
    green("07-rotated")


def test_revoked_and_restored_follow_the_key_and_the_audit_shows_why(lab):
    cfg, keys, cs, auth = session.current(), lab["keys"], lab["cs"], lab["auth"]
    run_notebook_here("08-revoke-and-restore")
    notebook = run_notebook_here("08-revoke-and-restore")    # again: same end state, the key restored
    account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
    assert len([a for a in auth.role_assignments.list_for_scope(account.id, filter="atScope()")
                if a.scope.lower() == account.id.lower()]) == 1           # one data role, not two
    green("08-data-role")
    green("08-restored")
    line = red("08-revoked", "key version in use")
    assert line.detail.endswith(": enabled") and "revoke" in line.advice
    assert red("08-revoked", "endpoint").detail.startswith("200: still works (the sandbox's answer")
    in_use = account.properties.encryption.key_vault_properties.key_version
    keys.update_key_properties(cfg.key_name, in_use, enabled=False)
    try:
        green("08-revoked")
        line = red("08-restored", "endpoint")
        assert line.detail.startswith("403 CustomerManagedKeyInaccessible (KeyVaultKeyDisabled): ")
        assert "enable" in line.advice
        status = red("08-restored", "key status (the sandbox's own signal, not an Azure property)")
        assert status.detail.startswith("Inaccessible (KeyVaultKeyDisabled)")
    finally:
        keys.update_key_properties(cfg.key_name, in_use, enabled=True)
    green("08-restored")

    trail = key_audit(cfg, since=notebook["revoked_at"], caller=account.identity.principal_id)
    assert [(r.operation, r.result) for r in trail[:3]] == [("KeyUnwrap", "Forbidden"), ("KeyUnwrap", "Forbidden"),
                                                           ("KeyUnwrap", "OK")]
    assert trail[0].reason == "Operation unwrapKey is not allowed on a disabled key."
    assert {r.caller for r in trail} == {cfg.foundry_name} and {r.key for r in trail} == {f"{cfg.key_name}/{in_use}"}
    assert key_audit(cfg, since=lab_now(cfg) + timedelta(seconds=1)) == []     # the lab's clock (07 moves it)


def test_the_revoke_cell_enables_the_key_again_even_when_its_check_is_red(lab, monkeypatch):
    """Without the data role the endpoint answers 401, so 08-revoked is red and, headless, raises inside
    the cell: the key version must be enabled again all the same."""
    cfg, keys, cs, auth = session.current(), lab["keys"], lab["cs"], lab["auth"]
    namespace = run_notebook_here("08-revoke-and-restore")
    account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
    role = next(auth.role_definitions.list(account.id, filter=f"roleName eq '{OPENAI_USER}'"))
    name = naming.assignment_name(account.id, cfg.learner_object_id, role.id)
    auth.role_assignments.delete(account.id, name)
    cell = next(c.source for c in nbformat.read(NOTEBOOKS / "08-revoke-and-restore.ipynb", as_version=4).cells
                if "finally:" in c.source)
    monkeypatch.setenv("CMKLAB_HEADLESS", "1")
    try:
        with pytest.raises(CheckFailed):
            exec(compile(cell, "08-revoke-and-restore.ipynb", "exec"), namespace)
        in_use = account.properties.encryption.key_vault_properties.key_version
        assert keys.get_key(cfg.key_name, in_use).properties.enabled
    finally:
        run_notebook_here("08-revoke-and-restore")            # the data role back, for the other tests


def test_key_audit_in_azure_mode_explains_the_diagnostic_setting(lab, monkeypatch, capsys):
    monkeypatch.setattr(session.current(), "mode", "azure")
    assert key_audit(session.current(), since=datetime.now(timezone.utc)) == []
    assert "diagnostic setting" in capsys.readouterr().out


def test_data_role_red_without_it_and_the_endpoint_says_so(lab):
    cfg, auth, cs = session.current(), lab["auth"], lab["cs"]
    account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
    role = next(auth.role_definitions.list(account.id, filter=f"roleName eq '{OPENAI_USER}'"))
    name = naming.assignment_name(account.id, cfg.learner_object_id, role.id)
    grant = RoleAssignmentCreateParameters(role_definition_id=role.id, principal_id=cfg.learner_object_id,
                                           principal_type="User")
    auth.role_assignments.create(account.id, name, grant)      # as 08's cell does (same name: idempotent)
    green("08-data-role")
    auth.role_assignments.delete(account.id, name)
    try:
        assert red("08-data-role", OPENAI_USER).detail == "not assigned to you"
        line = red("08-restored", "endpoint")
        assert line.detail.startswith("401 PermissionDenied") and "data role" in line.advice
    finally:
        auth.role_assignments.create(account.id, name, grant)
    green("08-data-role")
    green("08-restored")
