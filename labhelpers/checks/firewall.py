"""The checks of 10-close-the-vault-firewall: the vault denies by default and lets trusted Microsoft services
through; your own data-plane calls are refused until your address is allowed; the Foundry resource keeps
using its key all along (its endpoint answers, which needs your data role from 08 or 10)."""
from __future__ import annotations

from azure.core.exceptions import HttpResponseError

from .core import Line, steps_of
from .lookups import NO_VAULT, cmk_in_use, key_client, value, vault_of
from .revocation import _endpoint_answer, _refusal

NOTEBOOK = "10-close-the-vault-firewall"
step = steps_of(NOTEBOOK)


def _rule_lines(s, vault):
    acls = vault.properties.network_acls
    deny = acls is not None and value(acls.default_action) == "Deny"
    yield Line(deny, "default action", value(acls.default_action) if acls else "Allow (no network rules)",
               "run the close cell above (default_action='Deny')")
    bypass = value(acls.bypass) if acls is not None and acls.bypass else "AzureServices"
    yield Line(bypass == "AzureServices", "trusted services", f"bypass {bypass}",
               "set bypass='AzureServices': without it the Foundry resource's own calls are refused too")


def _your_call(s, vault) -> tuple[bool, str]:
    """(refused by the firewall, what Key Vault answered you)."""
    try:
        key_client(vault, s).get_key(s.key_name)
        return False, "200: your call went through"
    except HttpResponseError as refusal:
        inner = (getattr(refusal.error, "innererror", None) or {}).get("code", "") if refusal.error else ""
        return inner == "ForbiddenByFirewall", f"{refusal.status_code} {refusal.error.code if refusal.error else ''}" \
                                               f" ({inner})" if inner else f"{refusal.status_code}"


def _resource_line(s):
    found = cmk_in_use(s)
    if isinstance(found, Line):
        return found
    answer = _endpoint_answer(s, found.account)
    works = answer.status_code == 200
    return Line(works, "Foundry resource", "its endpoint answers 200: it still uses the key (a trusted service)"
                if works else _refusal(answer), "grant yourself the data role (the cell above); if you have it, "
                                                "check bypass='AzureServices'")


@step("10-refused", "Firewall closed", "the vault refuses your address but not the Foundry resource")
def refused(s):
    vault = vault_of(s)
    if vault is None:
        yield NO_VAULT
        return
    yield from _rule_lines(s, vault)
    blocked, said = _your_call(s, vault)
    yield Line(blocked, "your call", said, "your address is allowed already: this shows the refusal, run "
                                           "the close cell above (it empties ip_rules)")
    yield _resource_line(s)


@step("10-your-address", "Your address allowed", "the vault lets in your address and trusted services only")
def your_address(s):
    vault = vault_of(s)
    if vault is None:
        yield NO_VAULT
        return
    yield from _rule_lines(s, vault)
    rules = [r.value for r in (vault.properties.network_acls.ip_rules or [])] \
        if vault.properties.network_acls else []
    yield Line(len(rules) == 1, "allowed addresses", ", ".join(rules) or "none",
               "allow exactly your address (the allow cell above)")
    blocked, said = _your_call(s, vault)
    yield Line(not blocked and said.startswith("200"), "your call", said,
               "your address changed or is not allowed: run the allow cell above again")
    yield _resource_line(s)
