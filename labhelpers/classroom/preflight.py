"""`python -m labhelpers class preflight --seats N`: before a class, can N learners run the lab in this
subscription and region? Each row is a fact read from Azure with the real SDK clients, and what to do
when it is not right; the table is printed and written as JSON and JUnit XML (for a CI pipeline)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.etree import ElementTree

from azure.core.exceptions import HttpResponseError

from .. import choices, display, naming
from .azure import ClassSubscription, NoSuchSubscription

PROVIDERS = ("Microsoft.KeyVault", "Microsoft.CognitiveServices")
FOUNDRY_KIND, FOUNDRY_SKU = "AIServices", "S0"
ACCOUNT_METER = "OpenAI.S0.AccountCount"
MARK = {"ok": display.OK, "fail": display.FAIL, "warn": "⚠️"}


@dataclass
class Row:
    status: str              # ok | fail | warn (could not be verified from here)
    what: str
    detail: str
    fix: str = ""


def seat_foundry_names(prefix: str, seats: int) -> list[str]:
    """The Foundry names (custom sub-domains, unique in all of Azure) the seats of a rehearsal use."""
    return [f"{prefix}{n:02d}-{naming.EXERCISE_NAMES['foundry_name']}"[:64] for n in range(1, seats + 1)]


def _azure_error(exc: HttpResponseError) -> str:
    code = exc.error.code if exc.error else exc.status_code
    return f"{exc.status_code} {code}"


def run(subscription: ClassSubscription, region: str, seats: int, prefix: str,
        learners: list[str]) -> list[Row]:
    rows: list[Row] = []
    try:
        found = subscription.verify()
    except NoSuchSubscription as exc:
        return [Row("fail", "subscription", str(exc), "pass --subscription with one of those")]
    sub_id = found.subscription_id or subscription.subscription_id
    rows.append(Row("ok", "subscription", f"{found.display_name} ({sub_id})"))
    credential = subscription.credential

    roles = choices.learner_roles(credential, sub_id, subscription.object_id)
    rows.append(Row("ok" if "Owner" in roles else "fail", "your role", ", ".join(roles) or "no role",
                    "the instructor needs Owner on the class subscription (role assignments for every seat)"))
    for learner in learners:
        held = choices.learner_roles(credential, sub_id, learner)
        rows.append(Row("ok" if "Owner" in held else "fail", f"learner {learner}", ", ".join(held) or "no role",
                        "assign the learner Owner on the subscription (or on their resource group before class)"))

    for namespace in PROVIDERS:
        state = subscription.resources.providers.get(namespace).registration_state
        rows.append(Row("ok" if state == "Registered" else "fail", f"provider {namespace}", state or "unknown",
                        f"az provider register --namespace {namespace} --subscription {sub_id}"))

    offered = {r.name for r in choices.offered_regions(credential, sub_id)}
    rows.append(Row("ok" if region in offered else "fail", "region",
                    f"{region} {'offers' if region in offered else 'does not offer'} Key Vault and Foundry",
                    f"choose one of: {', '.join(sorted(offered))}"))
    rows.append(_sku_row(subscription, region))
    rows.append(_quota_row(subscription, region, seats))
    rows.extend(_collision_rows(subscription, sub_id, prefix, seats))
    return rows


def _sku_row(subscription: ClassSubscription, region: str) -> Row:
    what = f"{FOUNDRY_KIND} {FOUNDRY_SKU} in {region}"
    try:
        skus = [s for s in subscription.cognitive.resource_skus.list()
                if s.kind == FOUNDRY_KIND and s.name == FOUNDRY_SKU
                and region.lower() in {loc.lower() for loc in s.locations or []}]
    except HttpResponseError as exc:
        return Row("warn", what, f"could not read the resource SKUs ({_azure_error(exc)})",
                   "check that the region offers AIServices S0 (portal: create a Foundry resource)")
    if not skus:
        return Row("fail", what, "not offered to this subscription", "choose another region")
    blocked = [r.reason_code for s in skus for r in s.restrictions or []]
    return Row("fail" if blocked else "ok", what, f"restricted: {', '.join(map(str, blocked))}" if blocked
               else "offered", "ask for access (support request) or choose another region")


def _quota_row(subscription: ClassSubscription, region: str, seats: int) -> Row:
    what = f"account quota for {seats} seats"
    try:
        usages = list(subscription.cognitive.usages.list(region))
    except HttpResponseError as exc:
        return Row("warn", what, f"could not read the usages of {region} ({_azure_error(exc)})",
                   "check the Cognitive Services quota of the region (portal: Quotas)")
    # The meter AIServices accounts count against, as the Azure Developer CLI reads it before creating
    # one (Azure/azure-dev, cli/azd/pkg/azapi: AiAccountQuotaUsageName).
    accounts = [u for u in usages if u.name and (u.name.value or "").lower() == ACCOUNT_METER.lower()
                and u.limit is not None and u.current_value is not None]
    if not accounts:
        return Row("warn", what, f"{region} lists no {ACCOUNT_METER} usage",
                   "check the Cognitive Services quota of the region (portal: Quotas)")
    usage = accounts[0]
    limit, used = usage.limit or 0.0, usage.current_value or 0.0
    free = int(limit - used)
    return Row("ok" if free >= seats else "fail", what,
               f"{usage.name.value if usage.name else ''}: {int(used)} of {int(limit)} used, {free} free",
               f"request {seats - free} more accounts in {region}, purge soft-deleted ones, or split the class")


def _collision_rows(subscription: ClassSubscription, sub_id: str, prefix: str, seats: int) -> list[Row]:
    rows = []
    deleted = {(d.name or "").lower(): d for d in subscription.cognitive.deleted_accounts.list()}
    names = seat_foundry_names(prefix, seats)
    held = [n for n in names if n.lower() in deleted]
    rows.append(Row("fail" if held else "ok", "soft-deleted Foundry names",
                    f"{len(held)} of {seats} seat names held: {', '.join(held[:5])}{' …' if len(held) > 5 else ''}"
                    if held else f"none of the {seats} seat names ({names[0]} …) is held",
                    "python -m labhelpers class sweep purges them (or choose another --prefix)"))
    def available(name: str) -> bool:
        return subscription.cognitive.check_domain_availability(
            subdomain_name=name, type="Microsoft.CognitiveServices/accounts",
            kind=FOUNDRY_KIND).is_subdomain_available is True
    taken = [n for n in names if n.lower() not in deleted and not available(n)]
    rows.append(Row("fail" if taken else "ok", "Foundry sub-domains",
                    f"{len(taken)} taken elsewhere in Azure: {', '.join(taken[:5])}" if taken else "all free",
                    "choose another --prefix"))
    vaults = [v for v in subscription.vaults.vaults.list_deleted() if (v.name or "").startswith(naming.VAULT_PREFIX)]
    rows.append(Row("ok", "soft-deleted lab vaults", f"{len(vaults)} (their names stay held; new vaults get "
                                                     "new random names)"))
    return rows


def table(rows: list[Row]) -> str:
    return display.table(["", "check", "found", "what to do"],
                         [[MARK[r.status], r.what, r.detail, r.fix if r.status != "ok" else ""] for r in rows])[0]


def write(rows: list[Row], out: Path, seats: int, region: str) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "preflight.json", "junit": out / "preflight.xml"}
    paths["json"].write_text(json.dumps({"seats": seats, "region": region, "passed": passed(rows),
                                         "rows": [asdict(r) for r in rows]}, indent=2))
    suite = ElementTree.Element("testsuite", name="cmklab class preflight", tests=str(len(rows)),
                                failures=str(sum(r.status == "fail" for r in rows)),
                                skipped=str(sum(r.status == "warn" for r in rows)))
    for r in rows:
        case = ElementTree.SubElement(suite, "testcase", classname="preflight", name=r.what)
        if r.status == "fail":
            ElementTree.SubElement(case, "failure", message=r.detail).text = r.fix
        elif r.status == "warn":
            ElementTree.SubElement(case, "skipped", message=f"{r.detail}; {r.fix}")
    ElementTree.ElementTree(suite).write(paths["junit"], encoding="utf-8", xml_declaration=True)
    return paths


def passed(rows: list[Row]) -> bool:
    return not any(r.status == "fail" for r in rows)
