"""The account's own endpoint (https://{customSubDomainName}.cognitiveservices.azure.com, also
.services.ai.azure.com and .openai.azure.com): just enough of it to show that the account works, and
that it stops working when its customer-managed key cannot be used.

app.py has verified the Entra token (audience https://cognitiveservices.azure.com). Control-plane
roles carry no dataActions, so Owner alone gets 401 PermissionDenied, as Azure OpenAI answers; the
caller needs a data role such as Cognitive Services User or Cognitive Services OpenAI User."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import rbac
from ...http import ok
from ...routing import COGNITIVE
from . import cmk, errors, models

if TYPE_CHECKING:
    from ...context import Sandbox

# A small, fixed catalogue (the real list depends on region and quota).
MODELS = ("gpt-4o", "gpt-4o-mini", "text-embedding-3-small")


def _authorize(sb: Sandbox, req, action: str, operation: str) -> models.Account:
    """The account behind the host; its network rule; the caller's data action (Azure OpenAI's
    PermissionDenied wording); then its key, used as its identity on every request."""
    account = models.by_subdomain(sb, req.host_label)
    if account is None:               # deleted while the client kept its connection
        raise errors.ENDPOINT_GONE()
    if account.properties.get("publicNetworkAccess") == "Disabled":
        raise errors.PUBLIC_ACCESS_DISABLED()
    if not rbac.evaluate(sb, req.caller.object_id, action, account.id, data=True).allowed:
        raise errors.DATA_ACTION_MISSING(object_id=req.caller.object_id, action=action, operation=operation)
    cmk.use(sb, account)
    return account


@COGNITIVE.route("GET", "/openai/models", name="ListModels")
def list_models(sb: Sandbox, req):
    _authorize(sb, req, "Microsoft.CognitiveServices/accounts/OpenAI/models/read", "GET /openai/models")
    return ok({"object": "list", "data": [
        {"id": m, "object": "model", "status": "succeeded", "lifecycle_status": "generally-available",
         "capabilities": {"chat_completion": not m.startswith("text-"), "embeddings": m.startswith("text-")}}
        for m in MODELS]})
