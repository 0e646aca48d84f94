"""Azure's timing, as a profile (`serve --timing azure [--time-scale F]`); the default profile,
"fast", finishes everything at once. Under "azure":

- long operations answer as Azure does: an AI Services account PUT is 201 + Azure-AsyncOperation in
  state Creating, and the operation reports Creating until Succeeded (azure-cli recordings
  test_cognitiveservices_aiservices.yaml, test_cognitiveservices_softdelete.yaml); its PATCH is
  202 + Azure-AsyncOperation in Accepted (issue #8's recorded traffic); a vault PUT is 200
  in RegisteringDns; purges and resource-group deletes are 202 + Location; GETs of the resource report
  the in-progress state until the operation's time is up on the sandbox clock;
- a just-deleted key is 404 on /deletedkeys for a moment: the eventual consistency the SDK's delete
  poller exists for (azure-keyvault-keys `_shared/_polling.py` polls /deletedkeys while it answers
  404; wire contract §3.3);
- role assignments take effect only after Azure's propagation delay, on both planes and for the key
  check an account makes as its identity (rbac.py reads `Config.rbac_delay`).

The handlers do the work at once (state is never half-written); this module only changes what the
client sees, for as long as the operation would run in Azure. Durations are of the order Azure's
recordings show; the exact values are ours. `time_scale` multiplies them (0.05 turns a 20 s create
into 1 s), and Retry-After (at least 1 s: 0 would make the SDK wait 30 s, wire contract §5) is sent on
every in-progress answer so pollers come back soon."""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import registry
from .clock import iso
from .errors import AzureError
from .http import Response
from .routing import ARM

if TYPE_CHECKING:
    from .context import Sandbox

PROFILES = ("fast", "azure")
RBAC_DELAY = 60.0          # seconds at scale 1; Azure documents "up to 10 minutes" (facts §B4)

registry.schema("""
CREATE TABLE IF NOT EXISTS operations (
  id        TEXT PRIMARY KEY,
  resource  TEXT NOT NULL,          -- lower-case path (ARM id, or host + path on a data plane)
  kind      TEXT NOT NULL,          -- async | location | state | hidden
  state     TEXT,                   -- provisioningState reported meanwhile
  started   REAL NOT NULL,
  done_at   REAL NOT NULL           -- sandbox time when Azure would be done
);
CREATE INDEX IF NOT EXISTS operations_resource ON operations (resource);
""")


@dataclass(frozen=True)
class Long:
    """How Azure answers one route: status, how the client follows it, the state meanwhile, seconds."""
    status: int
    kind: str
    state: str | None
    seconds: float


# route name -> Azure's answer (sources in the module docstring)
LONG = {
    "AccountPut": Long(201, "async", "Creating", 30),     # 32 s in the recording
    "AccountPatch": Long(202, "async", "Accepted", 15),
    "ProjectPut": Long(201, "async", "Creating", 10),
    "VaultPut": Long(200, "state", "RegisteringDns", 10),
    "VaultPurge": Long(202, "location", None, 20),
    "DeletedAccountPurge": Long(202, "location", None, 20),
    "delete_group": Long(202, "location", None, 30),
    "KeyDelete": Long(200, "hidden", None, 4),
}
# GET routes that report an operation's state on their resource, and data-plane GETs it hides
REPORTS = {"AccountGet", "ProjectGet", "VaultGet"}
HIDES = {"KeyGetDeleted"}
POLLS = {"operation_result"}       # ARM's own poll of a group delete: 202 while the delete runs


def active(sb: Sandbox) -> bool:
    return sb.config.timing == "azure"


def _seconds(sb: Sandbox, seconds: float) -> float:
    return seconds * sb.config.time_scale


def retry_after(sb: Sandbox, remaining: float) -> str:
    return str(max(1, math.ceil(min(remaining, _seconds(sb, 10)))))


def _resource(req) -> str:
    if req.plane == "arm":
        return req.path.rstrip("/").lower()
    if req.route_name == "KeyDelete":          # what it hides: the deleted key
        return f"{req.host}/deletedkeys/{req.path.rstrip('/').rsplit('/', 1)[1]}".lower()
    return f"{req.host}{req.path.rstrip('/')}".lower()


def _in_progress(sb: Sandbox, resource: str) -> dict | None:
    return sb.store.one("SELECT * FROM operations WHERE resource = ? AND done_at > ? ORDER BY started DESC LIMIT 1",
                        (resource, sb.clock.now()))


def shape(sb: Sandbox, req, resp: Response) -> Response:
    """The handler's (finished) answer as Azure gives it under this profile."""
    if not active(sb) or not 200 <= resp.status < 300:
        return resp
    if req.method == "GET" and req.route_name in REPORTS:
        return _report(sb, req, resp)
    if req.method == "GET" and req.route_name in HIDES:
        return _hide(sb, req, resp)
    if req.method == "GET" and req.route_name in POLLS:
        return _poll(sb, req, resp)
    long = LONG.get(req.route_name or "")
    if long is None or resp.status == 204:
        return resp
    now, op_id = sb.clock.now(), str(uuid.uuid4())
    if long.kind == "location" and "Location" in resp.headers:      # the provider's own poll URL
        op_id = resp.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    # a hidden object stays hidden at least a second, or a scaled moment is gone before any client looks (ours)
    done_at = now + max(_seconds(sb, long.seconds), 1.0 if long.kind == "hidden" else 0.0)
    with sb.store.transaction():
        sb.store.execute("INSERT INTO operations VALUES (?,?,?,?,?,?)",
                         (op_id, _resource(req), long.kind, long.state, now, done_at))
    headers = dict(resp.headers)
    body = resp.body
    if long.state and isinstance(body, dict) and isinstance(body.get("properties"), dict):
        body = {**body, "properties": {**body["properties"], "provisioningState": long.state}}
    if long.kind in ("async", "location"):
        url = resp.headers.get("Location") or _operation_url(req, op_id)
        headers["Azure-AsyncOperation" if long.kind == "async" else "Location"] = url
        headers["Retry-After"] = retry_after(sb, done_at - now)
        if long.kind == "location":
            body = None
    status = long.status if long.kind != "hidden" else resp.status
    return Response(status, body, headers)


def _operation_url(req, op_id: str) -> str:
    """Where Azure points the client: the provider's operationResults in the resource's location."""
    parts = req.path.strip("/").split("/")
    sub = parts[1]
    namespace = next((parts[i + 1] for i, p in enumerate(parts) if p.lower() == "providers"), "Microsoft.Resources")
    location = "global"
    if "locations" in [p.lower() for p in parts]:
        location = parts[[p.lower() for p in parts].index("locations") + 1]
    elif isinstance(req.json(required=False), dict):
        location = str(req.json(required=False).get("location") or location)
    return (f"https://management.azure.com/subscriptions/{sub}/providers/{namespace}/locations/{location}"
            f"/operationResults/{op_id}?api-version={req.api_version}")


def _report(sb: Sandbox, req, resp: Response) -> Response:
    op = _in_progress(sb, _resource(req))
    if op is None or not op["state"] or not isinstance(resp.body, dict):
        return resp
    body = {**resp.body, "properties": {**resp.body.get("properties", {}), "provisioningState": op["state"]}}
    return Response(resp.status, body, {**resp.headers, "Retry-After": retry_after(sb, op["done_at"] - sb.clock.now())})


def _poll(sb: Sandbox, req, resp: Response) -> Response:
    op = sb.store.one("SELECT * FROM operations WHERE id = ? COLLATE NOCASE", (req.path.rstrip("/").rsplit("/", 1)[1],))
    now = sb.clock.now()
    if op is None or op["done_at"] <= now:
        return resp
    return Response(202, None, {"Location": req.url, "Retry-After": retry_after(sb, op["done_at"] - now)})


def _hide(sb: Sandbox, req, resp: Response) -> Response:
    """Not visible yet (eventual consistency): the answer Key Vault gives for a key it does not have."""
    if _in_progress(sb, _resource(req)) is None:
        return resp
    name = req.path.rstrip("/").rsplit("/", 1)[1]
    return Response(404, {"error": {"code": "KeyNotFound", "message": f"Deleted Key not found: {name}"}},
                    {"Content-Type": "application/json; charset=utf-8"})


@ARM.route("GET", "/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}/operationResults"
                  "/{operationId}", name="OperationResult")
def operation_result(sb: Sandbox, req, subscriptionId, namespace, location, operationId):
    """Azure-AsyncOperation: {status} until done; Location: 202 until done, then 200."""
    op = sb.store.one("SELECT * FROM operations WHERE id = ?", (operationId,))
    if op is None:
        raise AzureError(404, "OperationNotFound", f"The operation '{operationId}' was not found.")
    now = sb.clock.now()
    running = op["done_at"] > now
    if op["kind"] == "location":
        return Response(202, None, {"Location": req.url, "Retry-After": retry_after(sb, op["done_at"] - now)}) \
            if running else Response(200)
    # While running, the status is the resource's state ("Creating"), as the recorded polls show
    # (azure-cli test_cognitiveservices_softdelete.yaml: Creating, Creating, then Succeeded with endTime).
    body = {"id": req.path, "name": operationId, "status": (op["state"] or "InProgress") if running else "Succeeded",
            "startTime": iso(op["started"])}
    if running:
        return Response(200, body, {"Retry-After": retry_after(sb, op["done_at"] - now)})
    return Response(200, {**body, "endTime": iso(op["done_at"])})

