"""The request and response objects handlers see: plain data, no server details."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NoReturn
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
    trusted_service: bool = False  # made in-process by a trusted Microsoft service (a CMK use), not a client
    caller: Any = None             # directory.Principal, set once the token is verified
    claims: dict = field(default_factory=dict)
    plane: str = ""                # arm | keyvault | cognitive | login
    host_label: str = ""           # vault name / custom subdomain for data planes
    audit: dict = field(default_factory=dict)  # what a handler wants an observer (audit log) to record
    route_name: str | None = None  # the operation the router matched (e.g. KeyCreate)

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.raw_path = parts.path or "/"
        self.path = unquote(self.raw_path)
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
        """Body as JSON; malformed JSON is Azure's 400 InvalidRequestContent. So is what JSON or the
        services' .NET readers cannot hold, and what could not be stored and read back: NaN and
        ±Infinity (not JSON), integers outside Int64, strings with lone surrogates, and nesting deeper
        than Json.NET's and System.Text.Json's default MaxDepth of 64."""
        if not self.body.strip():
            if required:
                raise _undeserializable("The request body is empty.")
            return {}
        try:
            value = json.loads(self.body, parse_constant=_no_constant, parse_int=_int64)
        except RecursionError:
            raise _undeserializable(f"The reader's maximum depth of {MAX_DEPTH} has been exceeded.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise _undeserializable(str(exc)) from None
        _check_tree(value)
        return value

    def json_object(self, *, required: bool = True) -> dict:
        body = self.json(required=required)
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent",
                             "The request content was invalid and could not be deserialized: "
                             "'a JSON object was expected'.")
        return body


MAX_DEPTH = 64
INT64 = range(-2**63, 2**63)


def _undeserializable(reason: str) -> AzureError:
    return AzureError(400, "InvalidRequestContent",
                      f"The request content was invalid and could not be deserialized: '{reason}'.")


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"Unexpected character encountered while parsing value: {name}")


def _int64(text: str) -> int:
    value = int(text)
    if value not in INT64:
        raise ValueError(f"Value {text} is too large or too small for an Int64")
    return value


def _check_tree(value: Any) -> None:
    """Depth and strings of a parsed body, without recursion (a deep body must not overflow here)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                raise _undeserializable(f"The reader's maximum depth of {MAX_DEPTH} has been exceeded.")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, item in items:
                if isinstance(key, str):
                    _check_string(key)
                stack.append((item, depth + 1))
        elif isinstance(node, str):
            _check_string(node)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _undeserializable("A string holds an unpaired surrogate (invalid UTF-16).") from None


def optional_string(obj: dict, key: str, path: str = "") -> str | None:
    """A property typed string in the REST spec: absent/null, or a string (anything else is the 400
    the service's JSON reader gives, before anything is stored)."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        where = f"{path}.{key}" if path else key
        raise _undeserializable(f"Error converting value to type 'System.String'. Path '{where}'.")
    return value


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
        if not (top.isascii() and top.isdigit()) or int(top) < 1:
            raise AzureError(400, "InvalidParameter", f"The value '{top}' of '$top' must be a positive integer.")
        items = items[:int(top)]
    return {"value": items}


def ok(body: Any = None, status: int = 200, **headers: str) -> Response:
    return Response(status, body, {k.replace("_", "-"): v for k, v in headers.items()})
