"""The published REST specs (tests/specs/azure-rest-specs, swagger 2.0) as JSON Schema validators:
for a named definition, or for an operation's response by operationId and status code.

`$ref`s are rewritten to absolute URIs (local `#/…`, relative files, and the common-types prefix
mapped as the specs README says) and served from one registry, so recursive definitions such as
ErrorDetail.details resolve lazily. `x-ms-*` extensions are ignored, except `x-nullable: true`,
which admits null as swagger means it; `readOnly` has no effect on validation.

A property whose value is null counts as absent, as the SDKs' deserializers read it: the services
send such nulls where the specs type the property as a plain string (Key Vault's list pages end in
`"nextLink":null`, as the recorded traffic in Azure/azure-sdk-for-js's Key Vault tests shows). A
required property that is null therefore still fails, as missing."""
from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPECS = Path(os.environ.get("CMKLAB_SPECS", Path(__file__).resolve().parent / "specs" / "azure-rest-specs"))
_COMMON = "../../../../../../common-types/"
ARM_ERRORS = "common-types/resource-management/v5/types.json"     # ErrorResponse of ARM (common-types)
METHODS = ("get", "put", "post", "patch", "delete", "head")


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def _absolute(ref: str, path: Path) -> str:
    file, _, pointer = ref.partition("#")
    if not file:
        target = path
    elif file.startswith(_COMMON):
        target = SPECS / "common-types" / file[len(_COMMON):]
    else:
        target = path.parent / file
    return f"{_uri(target)}#{pointer}"


def _rewrite(node, path: Path):
    """The node with absolute `$ref`s and `x-nullable` honoured (Draft 4 ignores a $ref's siblings)."""
    if isinstance(node, list):
        return [_rewrite(n, path) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite(v, path) for k, v in node.items() if k != "$ref"}
    if "$ref" in node:
        out = {"$ref": _absolute(node["$ref"], path)}
    if node.get("x-nullable") is True:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _document(path: Path) -> dict:
    return _rewrite(json.loads(path.read_text()), path)


def _retrieve(uri: str) -> Resource:
    return Resource(contents=_document(Path(uri.removeprefix("file://"))), specification=DRAFT4)


_REGISTRY = Registry(retrieve=_retrieve)


def _path(spec: str) -> Path:
    path = SPECS / spec
    if not path.exists():
        pytest.skip(f"the REST specs are not at {SPECS} (set CMKLAB_SPECS)")
    return path


def definition_validator(spec: str, definition: str) -> Draft4Validator:
    path = _path(spec)
    return _validator({"$ref": f"{_uri(path)}#/definitions/{definition}"})


def operation(spec: str, operation_id: str) -> dict:
    """The operation object (its method's entry under `paths`) of that operationId."""
    for item in json.loads(_path(spec).read_text())["paths"].values():
        for method in METHODS:
            if item.get(method, {}).get("operationId") == operation_id:
                return item[method]
    raise KeyError(f"{spec} has no operation {operation_id}")


def response_validator(spec: str, operation_id: str, status: int) -> Draft4Validator | None:
    """The validator of that response's body; None when the spec declares it without a body. A
    success status the spec does not declare fails: it is a fidelity bug as much as a bad body."""
    responses = operation(spec, operation_id)["responses"]
    declared = responses.get(str(status))
    if declared is None:
        assert status >= 400 and "default" in responses, \
            f"{operation_id} answered {status}; the spec declares {sorted(responses)}"
        declared = responses["default"]
    schema = declared.get("schema")
    return _validator(_rewrite(schema, _path(spec))) if schema is not None else None


def _validator(schema: dict) -> Draft4Validator:
    return Draft4Validator(schema, registry=_REGISTRY, format_checker=Draft4Validator.FORMAT_CHECKER)


def _without_nulls(instance):
    if isinstance(instance, dict):
        return {k: _without_nulls(v) for k, v in instance.items() if v is not None}
    if isinstance(instance, list):
        return [_without_nulls(v) for v in instance]
    return instance


def validate(spec: str, definition: str, instance) -> None:
    """Validate a body against a definition of a stored upstream spec."""
    definition_validator(spec, definition).validate(_without_nulls(instance))


def validate_response(spec: str, operation_id: str, status: int, body) -> None:
    """Validate a response (status and body) against the operation it answers."""
    validator = response_validator(spec, operation_id, status)
    if validator is None:
        assert body in (None, b"", ""), f"{operation_id} {status}: the spec declares no body, got {body!r}"
    else:
        validator.validate(_without_nulls(body))


def validate_arm_error(body) -> None:
    """An ARM error body against common-types' ErrorResponse."""
    validate(ARM_ERRORS, "ErrorResponse", body)


class Capture:
    """A `raw_response_hook=` for an SDK call or a whole client: keeps each response it receives
    (one per page of a list, one per request of a poller). Bodies are read afterwards, once the
    SDK has read them (a poller's first response arrives as a stream)."""

    def __init__(self):
        self._responses: list = []

    def __call__(self, pipeline_response) -> None:
        self._responses.append(pipeline_response.http_response)

    @property
    def responses(self) -> list[tuple[int, object]]:
        """(status, JSON body or None) of each response."""
        return [(r.status_code, json.loads(r.text()) if r.text() else None) for r in self._responses]

    @property
    def status(self) -> int:
        return self.responses[-1][0]

    @property
    def body(self):
        return self.responses[-1][1]
