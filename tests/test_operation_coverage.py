"""docs/operations.md is the list of operations the sandbox serves, as tools/operation_coverage.py writes
it from the registered routes: a route added, removed or changed without regenerating it fails here."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_operation_table_is_the_routes():
    spec = importlib.util.spec_from_file_location("operation_coverage", ROOT / "tools" / "operation_coverage.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    table = tool.render()
    assert "| PUT | `/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}` |" in table
    assert (ROOT / "docs" / "operations.md").read_text() == table, \
        "docs/operations.md is out of date: run python tools/operation_coverage.py"
