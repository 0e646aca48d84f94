"""Key Vault's audit log: one AuditEvent record per data-plane request (and per scheduled rotation),
in the JSON shape diagnostic settings deliver (reference/azure-behavior-facts.md §E), written by the
plane's observer after every request, which also adds Key Vault's own response headers.

Records keep no token or key material: the caller's identity claims, the object id and the
request URI only."""
from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING

from ... import registry
from ...clock import iso
from ...store import dumps, loads
from . import models

if TYPE_CHECKING:
    from ...context import Sandbox

registry.schema("""
CREATE TABLE IF NOT EXISTS kv_audit (
  seq    INTEGER PRIMARY KEY AUTOINCREMENT,
  vault  TEXT NOT NULL,           -- kv_vaults.key
  record TEXT NOT NULL            -- the AuditEvent JSON
);
CREATE INDEX IF NOT EXISTS kv_audit_vault ON kv_audit (vault, seq);
""")

SERVICE_VERSION = "1.9.2795.1"
# The identity claims Key Vault copies into `identity.claim` (facts §E).
_CLAIMS = ("oid", "appid", "appidacr", "idtyp", "xms_mirid", "upn", "unique_name", "ipaddr", "scp", "amr")


def _resource_id(vault: dict | None) -> str:
    """The vault's ARM id in upper case, as diagnostic records carry it ("" once purged)."""
    return models.vault_id(vault["subscription_id"], vault["resource_group"], vault["name"]).upper() if vault else ""


def _write(sb: Sandbox, vault_key: str, record: dict) -> None:
    with sb.store.transaction():
        sb.store.execute("INSERT INTO kv_audit (vault, record) VALUES (?, ?)", (vault_key, dumps(record)))


def record_request(sb: Sandbox, req, resp, duration_ms: float, vault: dict | None) -> None:
    status = resp.status
    # A request without a valid token is logged as the Authentication operation.
    operation = "Authentication" if status == 401 else (req.route_name or "Unknown")
    props = {"id": req.audit.get("id", f"https://{req.host}{req.raw_path}"),
             "clientInfo": req.headers.get("user-agent", ""), "httpStatusCode": status,
             "requestUri": req.url, "tlsVersion": "TLS1_2"}
    for field in ("isRbacAuthorized", "isAccessPolicyMatch", "appliedAssignmentId"):
        if field in req.audit:
            props[field] = req.audit[field]
    record = {"time": iso(sb.clock.now()), "resourceId": _resource_id(vault),
              "operationName": operation, "operationVersion": req.api_version or "",
              "category": "AuditEvent",
              "resultType": "Success",       # even for 4xx: the outcome is in resultSignature (facts §E)
              "resultSignature": _reason(status), "durationMs": str(int(round(duration_ms))),
              "callerIpAddress": req.client_ip,
              "correlationId": req.headers.get("x-ms-client-request-id") or resp.headers.get("x-ms-request-id", ""),
              "properties": props}
    if status >= 400:
        record["resultDescription"] = _error_message(resp)
    if req.claims:
        record["identity"] = {"claim": {c: req.claims[c] for c in _CLAIMS if c in req.claims}}
    _write(sb, req.host_label.lower(), record)


def record_service(sb: Sandbox, vault: dict, operation: str, object_id: str, at: float) -> None:
    """An operation Key Vault does itself (a policy rotation): no caller, no request."""
    _write(sb, vault["key"], {
        "time": iso(at), "resourceId": _resource_id(vault), "operationName": operation,
        "operationVersion": "", "category": "AuditEvent", "resultType": "Success", "resultSignature": "OK",
        "durationMs": "0", "callerIpAddress": "", "correlationId": "",
        "properties": {"id": object_id, "httpStatusCode": 200, "requestUri": ""}})


def read(sb: Sandbox, vault: str | None = None) -> list[dict]:
    """The AuditEvent records, oldest first (of one vault, by name, if given)."""
    if vault:
        rows = sb.store.all("SELECT record FROM kv_audit WHERE vault = ? ORDER BY seq", (vault.lower(),))
    else:
        rows = sb.store.all("SELECT record FROM kv_audit ORDER BY seq")
    return [loads(r["record"]) for r in rows]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def _error_message(resp) -> str:
    body = resp.body
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except ValueError:
            return ""
    err = (body or {}).get("error") if isinstance(body, dict) else None
    return str(err.get("message", "")).replace("\r\n", "\n") if isinstance(err, dict) else ""


@registry.observer("keyvault")
def _observe(sb: Sandbox, req, resp, duration_ms: float) -> None:
    vault = models.row(sb, req.host_label, deleted=None)
    if vault:
        resp.headers.setdefault("x-ms-keyvault-region", vault["location"])
    resp.headers.setdefault("x-ms-keyvault-service-version", SERVICE_VERSION)
    resp.headers.setdefault("x-ms-keyvault-network-info",
                            f"conn_type=Ipv4;addr={req.client_ip};act_addr_fam=InterNetwork;")
    record_request(sb, req, resp, duration_ms, vault)
