"""The whole lab, headless, under Azure's timing (`python -m labhelpers run --timing azure`): long
operations that answer 201/202 and poll, provisioning states on the clock, roles that propagate late.
Time scale 0.02 keeps it to a few minutes (Azure's 60 s role propagation takes 1.2 s)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labhelpers.sandbox import server

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("lab-timing")]


def test_the_lab_passes_under_azure_timing(tmp_path):
    sandbox_vars = set(server.client_env({"proxy_url": "", "identity_endpoint": "", "identity_header": "",
                                          "ca_bundle": "", "subscription_id": "", "tenant_id": ""}))
    env = {k: v for k, v in os.environ.items() if k not in sandbox_vars and not k.startswith("CMKLAB_")}
    done = subprocess.run([sys.executable, "-m", "labhelpers", "run", "--runs-dir", str(tmp_path),
                           "--timing", "azure", "--time-scale", "0.02"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert json.loads((tmp_path / "latest" / "results.json").read_text())["passed"]
    log = [json.loads(line) for line in (tmp_path / "latest" / "home" / "sandbox" / "requests.log").open()]
    statuses = {(r["method"], r["status"]) for r in log}
    assert ("PUT", 201) in statuses and ("PATCH", 202) in statuses       # the profile was on
    assert not server.running_info(tmp_path / "latest" / "home" / "sandbox")
