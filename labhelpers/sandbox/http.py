"""The request and response objects handlers see: plain data, no server details."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, unquote

from .errors import AzureError


@dataclass
class Request:
    method: str
    host: str                      # lower case, without port
    target: str                    # request target as sent: path?query
    headers: dict[str, str]        # keys lower case
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    caller: Any = None             # directory.Principal, set once the token is verified
    claims: dict = field(default_factory=dict)
    plane: str = ""                # arm | keyvault | cognitive | login
    host_label: str = ""           # vault name / custom subdomain for data planes
    audit: dict = field(default_factory=dict)  # what a handler wants an observer (audit log) to record
    route_name: str | None = None  # the operation the router matched (e.g. KeyCreate)

    def __post_init__(self):
        parts = urlsplit(self.target)
        self.raw_path = parts.path or "/"
        self.path = unquote(self.raw_path)
        self.query_string = parts.query
        self.query: dict[str, str] = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            self.query.setdefault(k, v)

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.target}"

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Query argument, matched case-insensitively as ARM does (`api-version`, `$filter`)."""
        low = name.lower()
        for k, v in self.query.items():
            if k.lower() == low:
                return v
        return default

    @property
    def api_version(self) -> str | None:
        return self.arg("api-version")

    def json(self, *, required: bool = True) -> Any:
        """Body as JSON; malformed JSON is Azure's 400 InvalidRequestContent."""
        if not self.body.strip():
            if required:
                raise AzureError(400, "InvalidRequestContent",
                                 "The request content was invalid and could not be deserialized: "
                                 "'The request body is empty.'.")
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise AzureError(400, "InvalidRequestContent",
                             f"The request content was invalid and could not be deserialized: '{exc}'.")

    def json_object(self, *, required: bool = True) -> dict:
        body = self.json(required=required)
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent",
                             "The request content was invalid and could not be deserialized: "
                             "'a JSON object was expected'.")
        return body


@dataclass
class Response:
    status: int = 200
    body: Any = None               # dict/list → JSON; bytes/str → as is; None → empty
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, separators=(",", ":")).encode()


def page(items: list, req: Request) -> dict:
    """An ARM list body, cut to `$top` when the request asks for it."""
    top = req.arg("$top")
    if top is not None:
        if not top.isdigit() or int(top) < 1:
            raise AzureError(400, "InvalidParameter", f"The value '{top}' of '$top' must be a positive integer.")
        items = items[:int(top)]
    return {"value": items}


def ok(body: Any = None, status: int = 200, **headers: str) -> Response:
    return Response(status, body, {k.replace("_", "-"): v for k, v in headers.items()})
