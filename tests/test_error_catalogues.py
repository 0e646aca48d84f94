"""One error catalogue per provider: every Azure error a provider answers with is an entry of its errors.py
(status, code, message template, source), nothing else in the provider builds an AzureError, every entry is
used, every template renders with the fields it names, and every entry says where its wording comes from: a
source (Microsoft Learn, the REST specs, facts §, a public issue quoting Azure's answer) or the label "ours" where
Azure's answer is not documented and the words are the sandbox's."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from labhelpers.sandbox.errors import AzureError, Error, GraphError

PROVIDERS = Path(__file__).resolve().parent.parent / "labhelpers" / "sandbox" / "providers"
NAMES = sorted(p.name for p in PROVIDERS.iterdir() if (p / "__init__.py").exists())
# The one place a provider builds an AzureError from a code of its own: the Foundry resource's key checks
# carry their condition (KeyVaultNotFound, ...) as the error's code or detail.
BUILDS_ITS_OWN = {"cognitiveservices/cmk.py": 1}
# A source names where the words were seen (an issue or pull request, facts §, a spec, a Learn page) or says "ours".
CITATION = re.compile(r"^ours\b|#\d+|facts §|\bspec\b|learn\.microsoft\.com|\.md\b|recording|\bquote")


def _entries(provider: str) -> dict[str, Error]:
    module = importlib.import_module(f"labhelpers.sandbox.providers.{provider}.errors")
    return {name: value for name, value in vars(module).items() if isinstance(value, Error)}


@pytest.mark.parametrize("provider", NAMES)
def test_every_entry_is_complete_and_renders(provider):
    entries = _entries(provider)
    assert entries
    for name, entry in entries.items():
        assert 400 <= entry.status < 600 and entry.code and entry.source, name
        error = entry(**{field: f"<{field}>" for field in entry.fields()})
        assert isinstance(error, AzureError) and error.status == entry.status, name
        assert all(f"<{field}>" in error.message for field in entry.fields()), name
        if entry.inner:
            assert error.body()["error"]["innererror"] == {"code": entry.inner}
        if provider == "graph":      # Graph's own shape: an innerError with the request's id and date
            assert isinstance(error, GraphError) and set(error.body()["error"]["innerError"]) == \
                {"date", "request-id", "client-request-id"}, name


@pytest.mark.parametrize("provider", NAMES)
def test_the_provider_raises_only_catalogued_errors_and_uses_them_all(provider):
    sources = {p.relative_to(PROVIDERS).as_posix(): p.read_text() for p in (PROVIDERS / provider).glob("*.py")
               if p.name != "errors.py"}
    built = {path: len(re.findall(r"\b(?:Azure|Graph)Error\(", text)) for path, text in sources.items()}
    assert {path: n for path, n in built.items() if n} == {k: v for k, v in BUILDS_ITS_OWN.items()
                                                           if k.startswith(provider + "/")}
    used = set(re.findall(r"\berrors\.([A-Z][A-Z0-9_]+)\b", "\n".join(sources.values())))
    assert set(_entries(provider)) - used == set()


@pytest.mark.parametrize("provider", NAMES)
def test_every_entry_cites_its_source_or_says_it_is_ours(provider):
    uncited = {name: entry.source for name, entry in _entries(provider).items()
               if not CITATION.search(entry.source)}
    assert uncited == {}
