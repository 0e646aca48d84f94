"""The checks of 10-close-the-vault-firewall: the vault denies by default and lets trusted Microsoft services
through; your own data-plane calls are refused until your address is allowed; the Foundry resource keeps
using its key all along (its endpoint answers, which needs your data role from 08 or 10)."""
from __future__ import annotations

from azure.core.exceptions import HttpResponseError

from .core import Line, steps_of
from ..endpoint import answer as endpoint_answer
from ..refusals import codes, inner_code
from .lookups import NO_VAULT, cmk_in_use, key_client, refusal, value, vault_of

NOTEBOOK = "10-close-the-vault-firewall"
step = steps_of(NOTEBOOK)


def _your_call(s, vault) -> tuple[int, str, str]:
    """Your own data-plane call to the vault: (its status, the refusal's inner code, what Key Vault answered)."""
    try:
        key_client(vault, s).get_key(s.key_name)
        return 200, "", "200: your call went through"
    except HttpResponseError as error:
        return error.status_code or 0, inner_code(error), codes(error)


def _resource_line(s):
    found = cmk_in_use(s)
    if isinstance(found, Line):
        return found
    answer = endpoint_answer(s.credential, found.account)
    works = answer.status_code == 200
    # The sandbox's resource uses its key on every call, so a 200 shows the trusted-services bypass at work;
    # Azure does not document which calls use the key (the vault's AuditEvent logs show the resource's).
    said = ("its endpoint answers 200: it used its key through the firewall (a trusted service; the sandbox's "
            "resource uses its key on every call)" if s.answered_by_lab_sandbox else
            "its endpoint answers 200 (Azure does not document that this call uses the key: the vault's "
            "AuditEvent logs show the resource's own key operations)")
    return Line(works, "Foundry resource", said if works else refusal(answer),
                "grant yourself the data role (the cell above); if you have it, check bypass='AzureServices'")


def _firewall_lines(s, your_address_allowed: bool):
    """What both checks read: the vault's rules (and, once your address is allowed, the addresses it lets in),
    your own call (refused by the firewall, or let through once allowed) and the Foundry resource's."""
    vault = vault_of(s)
    if vault is None:
        yield NO_VAULT
        return
    acls = vault.properties.network_acls
    deny = acls is not None and value(acls.default_action) == "Deny"
    yield Line(deny, "default action", value(acls.default_action) if acls else "Allow (no network rules)",
               "run the close cell above (default_action='Deny')")
    bypass = value(acls.bypass) if acls is not None and acls.bypass else "AzureServices"
    yield Line(bypass == "AzureServices", "trusted services", f"bypass {bypass}",
               "set bypass='AzureServices': without it the Foundry resource's own calls are refused too")
    status, inner, said = _your_call(s, vault)
    if your_address_allowed:
        rules = [r.value for r in (acls.ip_rules or [])] if acls else []
        yield Line(len(rules) == 1, "allowed addresses", ", ".join(rules) or "none",
                   "allow exactly your address (the allow cell above)")
        yield Line(status == 200, "your call", said,
                   "your address changed or is not allowed: run the allow cell above again")
    else:
        yield Line(inner == "ForbiddenByFirewall", "your call", said, "your address is allowed already: this shows "
                                                                      "the refusal, run the close cell above (it "
                                                                      "empties ip_rules)")
    yield _resource_line(s)


@step("10-refused", "Firewall closed", "the vault refuses your address but not the Foundry resource", moment=True)
def refused(s):
    yield from _firewall_lines(s, your_address_allowed=False)


@step("10-your-address", "Your address allowed", "the vault lets in your address and trusted services only")
def your_address(s):
    yield from _firewall_lines(s, your_address_allowed=True)
