"""Azure-shaped errors. Raise `AzureError` anywhere in a handler; the dispatcher turns it into
the JSON body Azure sends (`{"error": {"code", "message", ...}}`) with the same status code."""
from __future__ import annotations


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


def bad_request(code: str, message: str, **kw) -> AzureError:
    return AzureError(400, code, message, **kw)


def not_found(code: str, message: str, **kw) -> AzureError:
    return AzureError(404, code, message, **kw)


def conflict(code: str, message: str, **kw) -> AzureError:
    return AzureError(409, code, message, **kw)


def forbidden(code: str, message: str, **kw) -> AzureError:
    return AzureError(403, code, message, **kw)
