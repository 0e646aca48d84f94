"""Key Vault's audit trail for the notebooks: the AuditEvent records of the vault (facts §E), as rows a
notebook can print. The sandbox keeps them for every request, and they are read from its state; Azure
writes them only where a diagnostic setting sends them, which this lab does not create."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import connection

AZURE_NOTE = """Key Vault keeps its audit log (category AuditEvent) only where a diagnostic setting of the
vault sends it: a Log Analytics workspace, or a storage account (container insights-logs-auditevent,
one JSON record per request). Records arrive within about 10 minutes. This lab creates no diagnostic
setting, so there are no rows to show here: add one on the vault's "Diagnostic settings" page to keep
a trail of every use of your key."""


@dataclass(frozen=True)
class AuditRow:
    time: str            # when Key Vault handled the request (UTC, ISO 8601)
    operation: str       # KeyGet, KeyWrap, KeyUnwrap, KeyRotate, ...
    result: str          # the HTTP status text: OK, Forbidden, Unauthorized, ...
    caller: str          # the signed-in user, or the resource whose managed identity called
    key: str             # name/version of the key the request was about
    reason: str = ""     # Key Vault's error message, for refused requests
    kind: str = ""       # "user", "managed identity", or "" when Key Vault itself acted (or no token came)


def key_audit(cfg, since: datetime, caller: str | None = None) -> list[AuditRow]:
    """The vault's AuditEvent records from `since` on (a moment of the lab's clock, `lab.lab_now(cfg)`,
    which in the sandbox may have been moved forward), oldest first; only those of principal `caller`
    (an object id) when given."""
    if cfg.mode != "sandbox":
        print(AZURE_NOTE)
        return []
    from .sandbox.context import Sandbox
    from .sandbox.providers.keyvault import audit
    sb = Sandbox(connection.sandbox_state_dir())
    start = since.timestamp()
    rows = []
    for record in audit.read(sb, cfg.key_vault_name):
        claim = record.get("identity", {}).get("claim", {})
        if datetime.fromisoformat(record["time"]).timestamp() < start or caller and claim.get("oid") != caller:
            continue
        rows.append(AuditRow(record["time"], record["operationName"], record["resultSignature"],
                             claim.get("upn") or claim.get("xms_mirid", "").rsplit("/", 1)[-1] or claim.get("oid", ""),
                             record["properties"]["id"].partition("/keys/")[2],
                             record.get("resultDescription", "").split("\n")[0],
                             "user" if claim.get("upn") else "managed identity" if claim.get("xms_mirid") else ""))
    return rows
