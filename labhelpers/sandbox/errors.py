"""Azure-shaped errors. Raise `AzureError` anywhere in a handler; the dispatcher turns it into
the JSON body Azure sends (`{"error": {"code", "message", ...}}`) with the same status code."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from string import Formatter


class AzureError(Exception):
    def __init__(self, status: int, code: str, message: str, *, target: str | None = None,
                 details: list[dict] | None = None, innererror: dict | None = None,
                 headers: dict[str, str] | None = None, additional_info: list[dict] | None = None):
        super().__init__(f"({code}) {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.innererror = innererror
        self.headers = headers or {}
        self.additional_info = additional_info

    def body(self) -> dict:
        err: dict = {"code": self.code, "message": self.message}
        if self.target is not None:
            err["target"] = self.target
        if self.details is not None:
            err["details"] = self.details
        if self.innererror is not None:
            err["innererror"] = self.innererror
        if self.additional_info is not None:
            err["additionalInfo"] = self.additional_info
        return {"error": err}


class GraphError(AzureError):
    """Microsoft Graph's error body: code, message and innerError (date, request-id, client-request-id), as
    Graph answers (microsoftgraph/microsoft-graph-explorer-v4#3330, microsoftgraph/microsoft-graph-docs#18714)."""

    def body(self) -> dict:
        request_id = str(uuid.uuid4())
        return {"error": {"code": self.code, "message": self.message, "innerError": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
            "client-request-id": request_id}}}


@dataclass(frozen=True)
class Error:
    """One entry of a provider's error catalogue (its errors.py): the status, Azure's error code, the
    message as a `str.format` template of the fields the caller passes, where that wording was taken
    from (an issue quoting Azure's answer, facts §, a spec, a Learn page; or "ours: ..." where Azure's
    answer is not documented and the words are the sandbox's), and the inner error code Azure adds
    (Key Vault's `innererror.code`), if any; `shape` is the error's body (GraphError for Microsoft Graph).
    Each provider's errors.py is a list of these, one a refusal. In a source, "facts §" is
    shared/reference/azure-behavior-facts.md, "FS" the foundry-samples repository, "#N" an issue or pull
    request of the repository named."""
    status: int
    code: str
    message: str
    source: str
    inner: str | None = None
    shape: type[AzureError] = AzureError

    def __call__(self, *, details: list[dict] | None = None, headers: dict[str, str] | None = None,
                 **fields: object) -> AzureError:
        return self.shape(self.status, self.code, self.message.format(**fields), details=details, headers=headers,
                          innererror={"code": self.inner} if self.inner else None)

    def fields(self) -> set[str]:
        """The names the message needs."""
        return {name for _, name, _, _ in Formatter().parse(self.message) if name}
