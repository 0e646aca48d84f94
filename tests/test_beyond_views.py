"""The views beyond the exercise, each on a lab brought to the end of 05 (lab.ensure_cmk) in a sandbox
of this module's own: the chain of trust turns red at the link that breaks, check_all shows green, red
and not run, the clock moves only in the sandbox and the policy then rotates, least privilege is what
Key Vault answers the identity, and the audit timeline draws who did what."""
from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, SignatureAlgorithm
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import IPRule, NetworkRuleSet, VaultPatchParameters, VaultPatchProperties
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import IdentityUpdate

from labhelpers import chain, checks, lab, naming, progress, report, runner, session, timeline
from labhelpers.errors import LabError
from labhelpers.roles import ENCRYPTION_USER, OPENAI_USER

pytestmark = pytest.mark.xdist_group("test_beyond_views")   # one worker: the module's own sandbox

KEYS = "Microsoft.KeyVault/vaults/keys/"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def built(lab_home):
    cfg = lab.setup(mode="sandbox")
    lab.ensure_cmk(cfg)
    credential = cfg.credential
    vault = KeyVaultManagementClient(credential, cfg.subscription_id).vaults.get(cfg.resource_group,
                                                                                 cfg.key_vault_name)
    cs = CognitiveServicesManagementClient(credential, cfg.subscription_id)
    auth = AuthorizationManagementClient(credential, cfg.subscription_id)
    account = cs.accounts.get(cfg.resource_group, cfg.foundry_name)
    role = next(auth.role_definitions.list(account.id, filter=f"roleName eq '{OPENAI_USER}'"))
    auth.role_assignments.create(account.id, naming.assignment_name(account.id, cfg.learner_object_id, role.id),
                                 RoleAssignmentCreateParameters(role_definition_id=role.id, principal_type="User",
                                                                principal_id=cfg.learner_object_id))  # as 08 does
    return {"cfg": cfg, "vault": vault, "keys": KeyClient(vault.properties.vault_uri, credential), "cs": cs,
            "auth": auth, "account": account}


def states(cfg) -> dict[str, chain.Link]:
    return {link.name: link for link in chain.links(cfg)}


def test_the_chain_holds_at_the_end_of_05_and_is_drawn_and_recorded(built, lab_home):
    cfg = built["cfg"]
    found = chain.links(cfg)
    assert [l.name for l in found] == ["key vault", "key", "version in use", "role assignment", "identity",
                                       "Foundry resource"]
    assert {l.state for l in found} == {chain.GREEN}, chain.text(found)
    assert states(cfg)["role assignment"].reason == "on the key only: get, wrapKey, unwrapKey"
    drawing = chain.svg(found)
    assert drawing.startswith("<svg") and drawing.count("<rect") == 6 and "#0b6e4f" in drawing
    assert " id=" not in drawing             # many drawings share the report's page
    cut = chain.svg([chain.Link("identity", "x" * 90, chain.GREEN, "y")])
    assert "x" * 25 + "…" in cut and "x" * 90 in cut         # cut in the box, whole in its tooltip
    started = datetime.now().timestamp() - 1
    lab.show_chain(cfg)
    assert [l.state for l in chain.recorded_since(started)] == [chain.GREEN] * 6
    run = runner.NotebookRun("05-configure-cmk", "passed", chain=[asdict(l) for l in chain.recorded_since(started)])
    page = report.render(runner.LabRun(lab_home, "sandbox", "now", [run]))
    assert page.count("<svg") == 1 and "every link holds" in page        # the run's report draws it
    assert chain.recorded_since(datetime.now().timestamp() + 60) is None


def test_a_disabled_version_breaks_the_chain_at_that_link_and_at_the_resource(built):
    cfg, keys = built["cfg"], built["keys"]
    in_use = built["cs"].accounts.get(cfg.resource_group, cfg.foundry_name).properties.encryption \
        .key_vault_properties.key_version
    keys.update_key_properties(cfg.key_name, in_use, enabled=False)
    try:
        assert checks.evaluate("08-restored").passed is False          # it calls the endpoint: the key is refused
        found = states(cfg)
        assert found["version in use"].state == chain.RED and "disabled" in found["version in use"].reason
        assert found["Foundry resource"].state == chain.RED
        assert "KeyVaultKeyDisabled" in found["Foundry resource"].reason
        assert "#b3261e" in chain.svg(list(found.values()))
    finally:
        keys.update_key_properties(cfg.key_name, in_use, enabled=True)
    assert checks.evaluate("08-restored").passed
    assert {l.state for l in chain.links(cfg)} == {chain.GREEN}


def test_the_chain_grows_grey_to_green_step_by_step_and_a_link_missing_after_its_step_is_red(built):
    """On a resource group of its own, brought to the end of 01, 02, ... 05 in turn (lab.ensure_done): the
    links the lab has not reached are grey ("not yet") and name the step that makes them; none is red
    (before 02 you hold no data role, so the key cannot even be read). Then a link taken away once a
    later step's link is there is red."""
    cfg = built["cfg"]
    kept = {name: getattr(cfg, name) for name in ("resource_group", "key_vault_name", "foundry_name")}
    cfg.update(resource_group=f"grow-{uuid.uuid4().hex[:6]}", key_vault_name=naming.proposed_vault_name(),
               foundry_name=f"grow-{uuid.uuid4().hex[:8]}")
    try:
        expected = {"01": ["key vault"], "02": ["key vault", "key"], "03": ["key vault", "key", "identity"],
                    "04": ["key vault", "key", "role assignment", "identity"]}
        for step, made in expected.items():
            lab.ensure_done(cfg, step)
            found = chain.links(cfg)
            assert [l.name for l in found if l.state == chain.GREEN] == made, chain.text(found)
            waiting = [l for l in found if l.state != chain.GREEN]
            assert {l.state for l in waiting} == {chain.NOT_YET} and all(l.made_in > step for l in waiting)
            assert chain.headline(found) == f"{len(made)} of 6 links made; next: {min(l.made_in for l in waiting)}"
            if step == "01":                  # no data role in the vault yet: Key Vault refuses to read keys
                assert "ForbiddenByRbac" in found[1].reason and "02 makes you" in found[1].reason
        lab.ensure_done(cfg, "05")
        assert chain.headline(chain.links(cfg)) == "every link holds"
        vault = KeyVaultManagementClient(cfg.credential, cfg.subscription_id).vaults.get(cfg.resource_group,
                                                                                         cfg.key_vault_name)
        KeyClient(vault.properties.vault_uri, cfg.credential).begin_delete_key(cfg.key_name).wait()
        found = states(cfg)
        assert found["key"].state == chain.RED and found["key"].made_in == "02"     # the resource still names it
        assert chain.headline(list(found.values())).startswith("broken at: key")
    finally:
        cfg.update(**kept)


def test_the_chain_breaks_at_the_role_assignment_when_it_is_removed(built):
    cfg, auth, vault, account = built["cfg"], built["auth"], built["vault"], built["account"]
    scope = f"{vault.id}/keys/{cfg.key_name}"
    role = next(auth.role_definitions.list(scope, filter=f"roleName eq '{ENCRYPTION_USER}'"))
    name = naming.assignment_name(scope, account.identity.principal_id, role.id)
    auth.role_assignments.delete(scope, name)
    try:
        link = states(cfg)["role assignment"]
        assert link.state == chain.RED and "not assigned" in link.reason
    finally:
        auth.role_assignments.create(scope, name, RoleAssignmentCreateParameters(
            role_definition_id=role.id, principal_id=account.identity.principal_id, principal_type="ServicePrincipal"))
    assert states(cfg)["role assignment"].state == chain.GREEN


def test_the_chain_warns_when_the_identity_holds_more_than_its_role_on_the_key(built):
    """Least privilege: another role on the vault (inherited by the key) turns the role link amber."""
    cfg, auth, vault, account = built["cfg"], built["auth"], built["vault"], built["account"]
    role = next(auth.role_definitions.list(vault.id, filter="roleName eq 'Key Vault Reader'"))
    name = naming.assignment_name(vault.id, account.identity.principal_id, role.id)
    auth.role_assignments.create(vault.id, name, RoleAssignmentCreateParameters(
        role_definition_id=role.id, principal_id=account.identity.principal_id, principal_type="ServicePrincipal"))
    try:
        link = states(cfg)["role assignment"]
        assert link.state == chain.AMBER and link.reason.startswith("it also holds Key Vault Reader on")
    finally:
        auth.role_assignments.delete(vault.id, name)
    assert states(cfg)["role assignment"].state == chain.GREEN


def test_a_replay_the_vault_firewall_refuses_says_why_and_what_to_do(built):
    """A lab whose vault lets no address in (10, then the learner's address changed): the replay stops
    at Key Vault's refusal with one line of advice, not a traceback."""
    cfg = built["cfg"]
    kept = {name: getattr(cfg, name) for name in ("resource_group", "key_vault_name", "foundry_name")}
    cfg.update(resource_group=f"wall-{uuid.uuid4().hex[:6]}", key_vault_name=naming.proposed_vault_name(),
               foundry_name=f"wall-{uuid.uuid4().hex[:8]}")
    try:
        lab.ensure_done(cfg, "01")
        KeyVaultManagementClient(cfg.credential, cfg.subscription_id).vaults.update(
            cfg.resource_group, cfg.key_vault_name, VaultPatchParameters(properties=VaultPatchProperties(
                network_acls=NetworkRuleSet(default_action="Deny", bypass="AzureServices", ip_rules=[]))))
        with pytest.raises(LabError) as stopped:
            lab.ensure_done(cfg, "02")
        shown = stopped.value._render_traceback_()
        assert shown[0].startswith("LabError: replaying 01-02 stopped: Azure answered 403 Forbidden")
        assert "run 10's allow cell again" in shown[-1]
    finally:
        cfg.update(**kept)


def test_the_chain_breaks_at_the_vault_with_access_policies(built):
    cfg = built["cfg"]
    kv = KeyVaultManagementClient(cfg.credential, cfg.subscription_id)
    kv.vaults.update(cfg.resource_group, cfg.key_vault_name,
                     VaultPatchParameters(properties=VaultPatchProperties(enable_rbac_authorization=False)))
    try:
        found = states(cfg)
        assert found["key vault"].state == chain.RED and "access policies" in found["key vault"].reason
        assert found["key"].state == chain.RED and "403" in found["key"].reason    # your role no longer counts
    finally:
        kv.vaults.update(cfg.resource_group, cfg.key_vault_name,
                         VaultPatchParameters(properties=VaultPatchProperties(enable_rbac_authorization=True)))
    assert states(cfg)["key vault"].state == chain.GREEN


def test_check_all_shows_green_red_and_not_run_in_the_learners_order(built):
    checks.evaluate("05-cmk")
    keys, cfg = built["keys"], built["cfg"]
    latest = keys.get_key(cfg.key_name).properties.version
    keys.update_key_properties(cfg.key_name, latest, enabled=False)
    try:
        checks.evaluate("02-key")                                   # recorded red
    finally:
        keys.update_key_properties(cfg.key_name, latest, enabled=True)
    (checks.results_dir() / "99-deleted.json").unlink(missing_ok=True)
    shown = lab.check_all()
    rows = {name: result for _, name, result in shown.rows}
    assert rows["05-cmk"]["passed"] and rows["02-key"]["passed"] is False and rows["99-deleted"] is None
    notebooks = [notebook for notebook, _, _ in shown.rows]
    assert notebooks.index("08-revoke-and-restore") < notebooks.index("99-cleanup") == len(notebooks) - 2
    assert set(rows) == set(checks.STEPS)
    text = shown.text()
    assert "❌" in text and "⚪" in text and "not run yet" in text and "red" in text.splitlines()[0]
    checks.evaluate("02-key")
    assert {name: r for _, name, r in lab.check_all().rows}["02-key"]["passed"]


def test_check_all_counts_only_this_modes_results(built, monkeypatch):
    checks.evaluate("05-cmk")
    monkeypatch.setattr(session.current(), "mode", "azure")
    assert all(result is None for _, _, result in progress.check_all().rows)


def test_advance_clock_is_sandbox_only_and_the_policy_rotates_on_it(built, monkeypatch, capsys):
    cfg, keys = built["cfg"], built["keys"]
    monkeypatch.setattr(cfg, "mode", "azure")
    assert lab.advance_clock(cfg, "P6M") is None and "Skipped" in capsys.readouterr().out
    assert checks.evaluate("07-six-months-on").passed                  # on Azure: skipped, and says why
    monkeypatch.setattr(cfg, "mode", "sandbox")
    rotated = keys.rotate_key(cfg.key_name)                  # a version with the policy's 210-day expiry
    built["cs"].accounts.begin_update(cfg.resource_group, cfg.foundry_name, {"properties": {"encryption": {
        "keySource": "Microsoft.KeyVault", "keyVaultProperties": {
            "keyVaultUri": built["vault"].properties.vault_uri, "keyName": cfg.key_name,
            "keyVersion": rotated.properties.version}}}}).result()
    result = checks.evaluate("07-six-months-on")
    assert [l.what for l in result.lines if not l.ok] == ["policy rotation", "version in use"], result.text()
    before = lab.lab_now(cfg)
    after = lab.advance_clock(cfg, "P6M")
    assert keys.get_key(cfg.key_name).properties.version != rotated.properties.version   # the policy acted
    assert timedelta(days=180) < after - before < timedelta(days=185)
    assert lab.lab_now(cfg) >= after
    trail = lab.key_audit(cfg, since=before)
    assert [r.operation for r in trail if not r.caller] == ["KeyRotateIfDue"]
    link = states(cfg)["version in use"]
    left = (rotated.properties.expires_on - lab.lab_now(cfg)).days
    assert link.state == chain.AMBER and f"expires in {left} days" in link.reason and 20 < left < 35
    result = checks.evaluate("07-six-months-on")
    assert result.passed and f"{left} days left" in result.text(), result.text()
    lab.advance_clock(cfg, "P30D")
    found = states(cfg)
    link = found["version in use"]
    assert link.state == chain.RED and link.reason.startswith("expired on")
    assert found["Foundry resource"].state == chain.RED and "unusable" in found["Foundry resource"].reason
    assert not checks.evaluate("07-six-months-on").passed                 # past its expiry
    latest = keys.get_key(cfg.key_name).properties.version
    built["cs"].accounts.begin_update(cfg.resource_group, cfg.foundry_name, {"properties": {"encryption": {
        "keySource": "Microsoft.KeyVault", "keyVaultProperties": {
            "keyVaultUri": built["vault"].properties.vault_uri, "keyName": cfg.key_name,
            "keyVersion": latest}}}}).result()
    assert states(cfg)["version in use"].state == chain.GREEN
    line = next(l for l in checks.evaluate("07-six-months-on").lines if l.what == "version in use")
    assert not line.ok and "advance" in line.advice                      # no longer behind


def _trials(cfg, keys: KeyClient, crypto: CryptographyClient, version: str) -> list:
    data_key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")

    def wrap():
        response = keys.send_request(HttpRequest("POST", f"keys/{cfg.key_name}/{version}/wrapkey",
                                                 params={"api-version": "7.5"},
                                                 json={"alg": "RSA-OAEP-256", "value": data_key}))
        response.raise_for_status()
    return [lab.Trial("get the key", KEYS + "read", lambda: keys.get_key(cfg.key_name)),
            lab.Trial("wrap a data key", KEYS + "wrap/action", wrap),
            lab.Trial("decrypt", KEYS + "decrypt/action",
                      lambda: crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, os.urandom(256))),
            lab.Trial("sign", KEYS + "sign/action",
                      lambda: crypto.sign(SignatureAlgorithm.rs256, hashlib.sha256(b"lab").digest())),
            lab.Trial("rotate the key", KEYS + "rotate/action", lambda: keys.rotate_key(cfg.key_name))]


def test_least_privilege_is_what_key_vault_answers_the_identity(built, monkeypatch):
    cfg, auth, vault = built["cfg"], built["auth"], built["vault"]
    principal = built["account"].identity.principal_id
    scope = f"{vault.id}/keys/{cfg.key_name}"
    role = next(auth.role_definitions.list(scope, filter=f"roleName eq '{ENCRYPTION_USER}'"))
    as_identity = lab.identity_credential(cfg, principal)
    its_keys = KeyClient(vault.properties.vault_uri, as_identity)
    key = built["keys"].get_key(cfg.key_name)
    trials = _trials(cfg, its_keys, CryptographyClient(key.id, as_identity), key.properties.version)
    outcome = lab.show_privileges(role, trials, as_identity)
    assert outcome == [("get the key", True, True), ("wrap a data key", True, True), ("decrypt", False, False),
                       ("sign", False, False), ("rotate the key", False, False)]
    # more rights for the identity: Key Vault now allows signing, and the table says the role did not
    crypto_user = next(auth.role_definitions.list(scope, filter="roleName eq 'Key Vault Crypto User'"))
    name = naming.assignment_name(scope, principal, crypto_user.id)
    auth.role_assignments.create(scope, name, RoleAssignmentCreateParameters(
        role_definition_id=crypto_user.id, principal_id=principal, principal_type="ServicePrincipal"))
    try:
        assert ("sign", False, True) in lab.show_privileges(role, trials, as_identity)
    finally:
        auth.role_assignments.delete(scope, name)
    monkeypatch.setattr(cfg, "mode", "azure")
    unavailable = lab.identity_credential(cfg, principal)
    assert [done for _, _, done in lab.show_privileges(role, trials, unavailable)] == [None] * 5


def test_the_audit_timeline_draws_who_did_what(built, capsys):
    cfg, keys = built["cfg"], built["keys"]
    since = lab.lab_now(cfg)
    principal = built["account"].identity.principal_id
    as_identity = lab.identity_credential(cfg, principal)
    with pytest.raises(HttpResponseError):
        CryptographyClient(keys.get_key(cfg.key_name).id, as_identity).sign(SignatureAlgorithm.rs256,
                                                                            hashlib.sha256(b"x").digest())
    rows = lab.key_audit(cfg, since=since)
    kinds = {(timeline.who(r), r.operation, r.result) for r in timeline.drawn(rows)}
    assert ("you", "KeyGet", "OK") in kinds and ("Foundry identity", "KeySign", "Forbidden") in kinds
    assert timeline.draw(timeline.drawn(rows)).startswith(b"\x89PNG")
    lab.show_timeline(rows)
    out = capsys.readouterr().out
    assert "Foundry identity: KeySign refused" in out and "you: KeyGet OK" in out


def run_notebook_here(name: str) -> dict:
    """Execute a notebook's code cells in this process, as papermill would in a kernel."""
    namespace: dict = {}
    for cell in nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, f"{name}.ipynb", "exec"), namespace)  # noqa: S102  (the lesson's own code)
    return namespace


def test_09_switches_to_a_user_assigned_identity_and_its_check_turns_red_when_a_piece_breaks(built, monkeypatch):
    cfg, auth, vault = built["cfg"], built["auth"], built["vault"]
    monkeypatch.setenv("CMKLAB_HEADLESS", "1")                   # a red check stops the notebook
    run_notebook_here("09-user-assigned-identity")
    notebook = run_notebook_here("09-user-assigned-identity")     # again: the same identity, no duplicate grant
    monkeypatch.delenv("CMKLAB_HEADLESS")
    identity = notebook["identity"]
    assert checks.evaluate("09-user-assigned").passed
    assert states(cfg)["identity"].label == identity.name and "user-assigned" in states(cfg)["identity"].reason
    scope = f"{vault.id}/keys/{cfg.key_name}"
    grants = [a for a in auth.role_assignments.list_for_scope(scope, filter=f"principalId eq '{identity.principal_id}'")]
    assert len(grants) == 1
    auth.role_assignments.delete(scope, grants[0].name)
    try:
        result = checks.evaluate("09-user-assigned")
        assert [l.what for l in result.lines if not l.ok] == [ENCRYPTION_USER], result.text()
        assert states(cfg)["role assignment"].state == chain.RED      # the chain follows the identity in use
    finally:
        auth.role_assignments.create(scope, grants[0].name, RoleAssignmentCreateParameters(
            role_definition_id=grants[0].role_definition_id, principal_id=identity.principal_id,
            principal_type="ServicePrincipal"))
    run_notebook_here("05-configure-cmk")                          # 05's update: the system-assigned identity again
    line = next(l for l in checks.evaluate("09-user-assigned").lines if l.what == "identity used for the key")
    assert not line.ok and "identity_client_id" in line.advice
    run_notebook_here("09-user-assigned-identity")
    assert checks.evaluate("09-user-assigned").passed
    msi = ManagedServiceIdentityClient(cfg.credential, cfg.subscription_id).user_assigned_identities
    assert msi.get(cfg.resource_group, cfg.identity_name).tags == cfg.tags       # 99-cleanup knows it is yours
    msi.update(cfg.resource_group, cfg.identity_name, IdentityUpdate(tags=naming.lab_tags(str(uuid.uuid4()), "b")))
    try:
        assert [l.what for l in checks.evaluate("09-user-assigned").lines if not l.ok] == ["yours"]
    finally:
        msi.update(cfg.resource_group, cfg.identity_name, IdentityUpdate(tags=cfg.tags))


def test_10_closes_the_firewall_and_its_checks_follow_the_rules(built, monkeypatch):
    cfg = built["cfg"]
    kv = KeyVaultManagementClient(cfg.credential, cfg.subscription_id)
    monkeypatch.setenv("CMKLAB_HEADLESS", "1")
    notebook = run_notebook_here("10-close-the-vault-firewall")
    monkeypatch.delenv("CMKLAB_HEADLESS")
    assert notebook["your_address"] == "127.0.0.1"
    assert checks.evaluate("10-your-address").passed and not checks.evaluate("10-refused").passed

    def rules(ip_rules, bypass="AzureServices"):
        kv.vaults.update(cfg.resource_group, cfg.key_vault_name, VaultPatchParameters(properties=VaultPatchProperties(
            network_acls=NetworkRuleSet(default_action="Deny", bypass=bypass, ip_rules=ip_rules,
                                        virtual_network_rules=[]))))
    rules([])
    with pytest.raises(HttpResponseError) as refused:
        built["keys"].get_key(cfg.key_name)
    error = refused.value.error
    assert (refused.value.status_code, error.code, error.innererror["code"]) == (403, "Forbidden", "ForbiddenByFirewall")
    assert error.message.startswith("Client address is not authorized and caller is not a trusted service.\r\n"
                                    "Client address: 127.0.0.1\r\nCaller: appid=")
    assert checks.evaluate("10-refused").passed
    assert [l.what for l in checks.evaluate("10-your-address").lines if not l.ok] == ["allowed addresses", "your call"]
    rules([], bypass="None")                                        # trusted services refused too
    result = checks.evaluate("10-refused")
    assert [l.what for l in result.lines if not l.ok] == ["trusted services", "Foundry resource"], result.text()
    assert "CustomerManagedKeyInaccessible" in next(l for l in result.lines if l.what == "Foundry resource").detail
    rules([IPRule(value="127.0.0.0/8")])
    assert checks.evaluate("10-your-address").passed                # a range holding your address works too
    run_notebook_here("10-close-the-vault-firewall")
    assert checks.evaluate("10-your-address").passed
