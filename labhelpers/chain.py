"""The chain of trust of a Foundry resource encrypted with a customer-managed key, read from the real
state: key vault → key → version in use → role assignment → identity → Foundry resource. Each link
is green (holds), amber (holds, but needs you soon), red (broken) or grey (not made yet: the lab has not
reached the notebook that makes it), with its reason. Drawn after each step, it grows from the vault (01)
to the whole chain (05).

It is drawn as inline SVG inside HTML: JupyterLab, nbconvert's HTML and the run's report all render
that, with no JavaScript (mermaid needs a renderer that nbconvert's HTML and the report lack).
`show_chain` also records the drawing under $CMKLAB_HOME/chain/ for the run's report."""
from __future__ import annotations

import json
import textwrap
import time
from dataclasses import asdict, dataclass

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from . import display, labstate, labtime
from .refusals import codes, inner_code
from .checks.lookups import foundry_account, key_client, scope_label, value, vault_of
from .roles import ENCRYPTION_USER, roles_held

GREEN, AMBER, RED, NOT_YET = "green", "amber", "red", "not yet"
_COLOURS = {GREEN: ("#0b6e4f", "#e6f4ee"), AMBER: ("#9a6700", "#fff4d6"), RED: ("#b3261e", "#fbe9e7"),
            NOT_YET: ("#5f6368", "#f1f3f4")}
_MARK = {GREEN: display.OK, AMBER: "⚠️", RED: display.FAIL, NOT_YET: "⚪"}
# The exercise's step that makes each link there (the Foundry resource's link: its existence, 03)
_MADE_BY = {"key vault": "01", "key": "02", "identity": "03", "Foundry resource": "03", "role assignment": "04",
            "version in use": "05"}
WARN_DAYS = 30        # Key Vault's own near-expiry notice comes 30 days before a version expires


@dataclass(frozen=True)
class Link:
    name: str          # what the link is: "key vault", "key", ...
    label: str         # which one: its name, version, role
    state: str         # green | amber | red | not yet
    reason: str        # why it holds, or what breaks it
    made_in: str = ""  # for a link that is not there: the step (01-05) that makes it


def links(s) -> list[Link]:
    """The six links, from what Azure (or the sandbox) answers now."""
    vault, account = vault_of(s), foundry_account(s)
    chain = [_vault_link(s, vault)]
    kvp = _key_properties(account)
    try:
        key, version = _key_and_version(s, vault, kvp)
    except HttpResponseError as refusal:          # e.g. the vault moved to access policies: you lost access
        chain += [_refused_link(s, refusal), _version_link(s, account, None, None, kvp) if kvp is None
                  else Link("version in use", "unknown", RED, "the key could not be read")]
    else:
        chain += [_key_link(s, key), _version_link(s, account, key, version, kvp)]
    identity, how = _identity(account, kvp)
    chain.append(_role_link(s, vault, identity, kvp))
    chain.append(_identity_link(identity, how, kvp))
    resource = _resource_link(s, account, kvp, vault)
    version = next(link for link in chain if link.name == "version in use")
    if resource.state == GREEN and version.state == RED:
        resource = _resource_behind_a_broken_version(s, resource, version)
    chain.append(resource)
    return _not_yet(chain)


def _not_yet(chain: list[Link]) -> list[Link]:
    """A missing link is "not yet" when the lab has not reached the step that makes it (nothing a later
    step makes is there either), and red, broken, when a later step's link is there without it."""
    reached = max((_MADE_BY[l.name] for l in chain if not l.made_in), default="00")
    return [Link(l.name, l.label, NOT_YET, l.reason, l.made_in) if l.made_in > reached else l for l in chain]


def _vault_link(s, vault) -> Link:
    if vault is None:
        return Link("key vault", s.key_vault_name, RED, "not found (01)", made_in="01")
    p = vault.properties
    wrong = [w for w, bad in (("purge protection off", not p.enable_purge_protection),
                              ("access policies, not Azure RBAC", not p.enable_rbac_authorization)) if bad]
    return Link("key vault", vault.name, RED if wrong else GREEN,
                "; ".join(wrong) if wrong else "purge protection on; permission model Azure RBAC")


def _key_properties(account):
    encryption = account.properties.encryption if account is not None else None
    if encryption is None or value(encryption.key_source) != "Microsoft.KeyVault":
        return None
    return encryption.key_vault_properties


def _key_and_version(s, vault, kvp):
    """(the key's latest state, the version the resource names) — either None when not found."""
    if vault is None:
        return None, None
    keys = key_client(vault, s)
    try:
        key = keys.get_key(s.key_name)
    except ResourceNotFoundError:
        return None, None
    if kvp is None or not kvp.key_version:
        return key, None
    try:
        return key, keys.get_key(s.key_name, kvp.key_version)
    except ResourceNotFoundError:
        return key, None


def _key_link(s, key) -> Link:
    if key is None:
        return Link("key", s.key_name, RED, "not found (02)", made_in="02")
    kty, bits = value(key.key_type), len(key.key.n or b"") * 8
    if kty not in ("RSA", "RSA-HSM") or bits != 2048:
        return Link("key", key.name, RED, f"{kty} {bits}: Foundry needs RSA 2048")
    return Link("key", key.name, GREEN, f"{kty} {bits}; latest version {key.properties.version[:8]}…")


def _refused_link(s, refusal: HttpResponseError) -> Link:
    said = codes(refusal)
    if inner_code(refusal) == "ForbiddenByRbac":     # no data role yet (before 02), or it was taken away
        return Link("key", s.key_name, RED, f"Key Vault refused to read it for you: {said}; 02 makes you Key Vault "
                                            "Administrator", made_in="02")
    return Link("key", s.key_name, RED, f"Key Vault refused to read it for you: {said}")


def _version_link(s, account, key, version, kvp) -> Link:
    if account is None:
        return Link("version in use", "none", RED, "no Foundry resource to use one (03), then 05", made_in="05")
    if kvp is None:
        return Link("version in use", "none", RED, "the Foundry resource uses Microsoft-managed keys (05)",
                    made_in="05")
    if not kvp.key_version:
        return Link("version in use", "latest", GREEN, "the resource names no version")
    label = kvp.key_version[:8] + "…"
    if version is None:
        return Link("version in use", label, RED, "this version of your key was not found")
    if not version.properties.enabled:
        return Link("version in use", label, RED, "disabled: the resource cannot unwrap its data key")
    expires, now = version.properties.expires_on, labtime.lab_now(s)
    if expires is not None and expires <= now:
        # Key Vault refuses to wrap with an expired version, and still unwraps (facts §B7); that the
        # resource then stops is the sandbox's model, which Azure does not document.
        return Link("version in use", label, RED, f"expired on {expires:%Y-%m-%d}: Key Vault no longer wraps with it")
    days = f"; expires in {(expires - now).days} days" if expires is not None else "; no expiry"
    if version.properties.version != key.properties.version:
        soon = expires is not None and (expires - now).days <= WARN_DAYS
        return Link("version in use", label, AMBER, f"behind the latest version{days}"
                    + (": move the resource to the latest" if soon else ""))
    return Link("version in use", label, GREEN, f"the latest, enabled{days}")


def _identity(account, kvp) -> tuple[str | None, str]:
    """(principal id, which identity: "system-assigned" or a user-assigned one's name) that uses the key:
    identityClientId picks a user-assigned one."""
    if account is None or account.identity is None:
        return None, ""
    users = account.identity.user_assigned_identities or {}
    if _client_id(kvp):
        for rid, found in users.items():
            if (found.client_id or "").lower() == _client_id(kvp).lower():
                return found.principal_id, rid.rsplit('/', 1)[-1]
        return None, f"client id {_client_id(kvp)}"
    if account.identity.principal_id:
        return account.identity.principal_id, "system-assigned"
    if len(users) == 1:
        rid, found = next(iter(users.items()))
        return found.principal_id, rid.rsplit('/', 1)[-1]
    return None, ""


def _client_id(kvp) -> str:
    """identityClientId: the user-assigned identity the resource uses the key through (09), if any."""
    return (getattr(kvp, "identity_client_id", None) or "") if kvp is not None else ""


def _identity_link(principal, how: str, kvp) -> Link:
    if principal:
        kind = "" if how == "system-assigned" else "user-assigned; "
        return Link("identity", how, GREEN, f"{kind}principal {principal[:8]}…")
    if _client_id(kvp):
        return Link("identity", how, RED, "identityClientId names an identity not attached to the resource (09)")
    return Link("identity", "none", RED, "the Foundry resource has no identity that could use the key (03)",
                made_in="03")


def _role_link(s, vault, principal, kvp) -> Link:
    step = "09" if _client_id(kvp) else "04"        # 09 grants it to the user-assigned identity
    if vault is None:
        return Link("role assignment", ENCRYPTION_USER, RED, "no vault to assign it on (01)", made_in="04")
    if principal is None:
        return Link("role assignment", ENCRYPTION_USER, RED, f"no identity to assign it to yet (03 makes it, {step} "
                                                             "assigns it)", made_in="04")
    key_scope = f"{vault.id}/keys/{s.key_name}"
    every = roles_held(s.credential, s.subscription_id, key_scope, principal)
    held = [h for h in every if h.role_name == ENCRYPTION_USER]
    if not held:
        return Link("role assignment", ENCRYPTION_USER, RED, f"not assigned to the identity: it cannot use the key "
                                                             f"({step})", made_in="04")
    more = [h for h in every if h.role_name != ENCRYPTION_USER]
    if more:                                         # least privilege: nothing else on the key, inherited or not
        return Link("role assignment", ENCRYPTION_USER, AMBER, f"it also holds {more[0].role_name} on "
                                                               f"{scope_label(more[0].scope, s)}: more than it needs")
    on_key = any(h.scope.lower() == key_scope.lower() for h in held)
    return Link("role assignment", ENCRYPTION_USER, GREEN if on_key else AMBER,
                "on the key only: get, wrapKey, unwrapKey" if on_key
                else f"on {scope_label(held[0].scope, s)}: wider than the key")


def _resource_link(s, account, kvp, vault) -> Link:
    if account is None:
        return Link("Foundry resource", s.foundry_name, RED, "not found (03)", made_in="03")
    if kvp is None:
        return Link("Foundry resource", account.name, RED, "made; encrypted with Microsoft-managed keys until 05",
                    made_in="05")
    uri = (kvp.key_vault_uri or "").rstrip("/").lower()
    if vault is None or uri != vault.properties.vault_uri.rstrip("/").lower() or kvp.key_name != s.key_name:
        return Link("Foundry resource", account.name, RED, f"uses {kvp.key_name} in {kvp.key_vault_uri}, not your key")
    status = account.properties.additional_properties.get("customerManagedKeyStatus") or ""
    if status.startswith("Inaccessible"):                # not an Azure property: the sandbox's own signal
        return Link("Foundry resource", account.name, RED, status.split(":")[0] + ": its last use of the key failed "
                                                           "(the sandbox's key status)")
    return Link("Foundry resource", account.name, GREEN, "encrypted with your key")


def _resource_behind_a_broken_version(s, resource: Link, version: Link) -> Link:
    """The resource names a version that is disabled, missing or expired. For an expired one Azure does
    not document what the resource does (Key Vault still unwraps with it, facts §B7); stopping is the
    sandbox's model, so on Azure the link is amber."""
    if version.reason.startswith("expired") and not s.answered_by_lab_sandbox:
        return Link(resource.name, resource.label, AMBER, "its version has expired: what the resource does then is "
                                                          "not documented; move it to the latest (07)")
    model = " (the sandbox's model)" if version.reason.startswith("expired") else ""
    return Link(resource.name, resource.label, RED, f"the version it names is unusable (see 'version in use'){model}")


# ---- drawing -------------------------------------------------------------------------------------------

_W, _H, _GAP, _TOP = 168, 131, 26, 8
_LABEL, _REASON = 3, 4       # lines of each inside a box


def _lines(text_: str, width: int, most: int) -> list[str]:
    """`text_` wrapped to `most` lines, the last ending in … when some is left out (all of it is in the
    box's tooltip)."""
    lines = textwrap.wrap(text_, width)
    if len(lines) <= most:
        return lines
    return lines[:most - 1] + [lines[most - 1][:width - 1] + "…"]


def svg(chain: list[Link]) -> str:
    """The links as boxes joined by arrows, coloured by state; the reason inside each box. Drawn at its
    own size (a narrow page scrolls it) so that its text stays readable; no ids, so that many drawings
    can share a page."""
    width, height = len(chain) * (_W + _GAP) - _GAP + 2, _H + 2 * _TOP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" style="font-family:system-ui,sans-serif" role="img" aria-label="chain of trust">']
    for i, link in enumerate(chain):
        x = 1 + i * (_W + _GAP)
        stroke, fill = _COLOURS[link.state]
        parts.append(f'<rect x="{x}" y="{_TOP}" width="{_W}" height="{_H}" rx="8" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="2"><title>{display.esc(link.label)}: '
                     f'{display.esc(link.reason)}</title></rect>')
        parts.append(f'<text x="{x + 8}" y="{_TOP + 18}" font-size="12" font-weight="bold" fill="{stroke}">'
                     f'{_MARK[link.state]} {display.esc(link.name)}</text>')
        label = _lines(link.label, 26, _LABEL)
        lines = label + [""] + _lines(link.reason, 28, _REASON)
        for j, line in enumerate(lines):
            parts.append(f'<text x="{x + 8}" y="{_TOP + 36 + j * 13}" font-size="{11 if j < len(label) else 10}" '
                         f'fill="#222">{display.esc(line)}</text>')
        if i:
            y = _TOP + _H / 2
            parts.append(f'<line x1="{x - _GAP + 2}" y1="{y}" x2="{x - 8}" y2="{y}" stroke="#555" stroke-width="2"/>'
                         f'<path d="M{x - 9},{y - 5} L{x - 1},{y} L{x - 9},{y + 5} z" fill="#555"/>')
    return "".join(parts) + "</svg>"


def text(chain: list[Link]) -> str:
    return "\n".join(f"{'  -> ' if i else ''}{_MARK[l.state]} {l.name} ({l.label}): {l.reason}"
                     for i, l in enumerate(chain))


def headline(chain: list[Link]) -> str:
    broken = [l.name for l in chain if l.state == RED]
    missing = sorted(l.made_in for l in chain if l.state == NOT_YET)
    if broken:
        return f"broken at: {', '.join(broken)}"
    if missing:
        return f"{len(chain) - len(missing)} of {len(chain)} links made; next: {missing[0]}"
    return "every link holds" if all(l.state == GREEN for l in chain) else "it holds, with a warning"


def html(chain: list[Link]) -> str:
    head = headline(chain)
    return f'<div style="margin:6px 0"><div style="font-weight:bold">Chain of trust: {display.esc(head)}</div>' \
           f'<div style="overflow-x:auto">{svg(chain)}</div></div>'


def record_dir():
    return labstate.home() / "chain"


def show_chain(s) -> None:
    """Read the chain now, draw it, and record it (with the time) for the run's report."""
    chain = links(s)
    display.show(f"Chain of trust: {headline(chain)}\n" + text(chain), html(chain))
    folder = record_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "latest.tmp"
    tmp.write_text(json.dumps({"at": time.time(), "links": [asdict(l) for l in chain]}))
    tmp.replace(folder / "latest.json")


def recorded_since(started: float) -> list[Link] | None:
    """The chain last drawn, if it was drawn after `started` (the runner: by the notebook it ran)."""
    path = record_dir() / "latest.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return [Link(**l) for l in data["links"]] if data["at"] >= started else None
