"""Tokens signed with the sandbox's own key but wrong inside (another tenant, time claims that are
not numbers) are refused as Azure refuses them; the clock refuses what Azure's dates cannot hold,
before it saves anything."""
from __future__ import annotations

import subprocess
import sys
import time

import jwt
import pytest
import requests

from conftest import ROOT
from helpers import ARM

SUBS = f"{ARM}/subscriptions?api-version=2022-12-01"


def signed(sandbox, **changes) -> str:
    """A learner token signed with the sandbox's key, with some claims changed."""
    tokens = sandbox.sb.tokens
    good, _ = tokens.issue(sandbox.sb.learner, ARM)
    claims = {**jwt.decode(good, options={"verify_signature": False}), **changes}
    return jwt.encode(claims, tokens._key, algorithm="RS256", headers={"kid": tokens.kid})


def arm_get(token: str) -> requests.Response:
    return requests.get(SUBS, headers={"Authorization": f"Bearer {token}"})


def test_a_token_of_another_tenant_is_refused(sandbox):
    other = "00000000-0000-0000-0000-000000000001"
    r = arm_get(signed(sandbox, tid=other))
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["code"] == "InvalidAuthenticationTokenTenant"
    assert other in error["message"] and sandbox.tenant_id in error["message"]
    assert arm_get(signed(sandbox)).status_code == 200          # the same token with our tenant passes


@pytest.mark.parametrize("changes", [
    {"exp": str(int(time.time()) + 3600)},       # a numeric string is no NumericDate (RFC 7519 §2)
    {"nbf": str(int(time.time()) - 60)},
    {"exp": float("inf")},
    {"exp": float("-inf")},
    {"exp": 2 ** 64},
    {"iat": [1]},
    {"exp": True},
])
def test_time_claims_must_be_numbers(sandbox, changes):
    r = arm_get(signed(sandbox, **changes))
    assert r.status_code == 401 and r.json()["error"]["code"] in ("InvalidAuthenticationToken",
                                                                    "ExpiredAuthenticationToken")


def advance(state_dir, duration: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labhelpers.sandbox", "advance", "--state", str(state_dir),
                           duration], capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize("duration", ["P3000000D", "P99999Y", "P99999999D", "P999999999999999999999Y", "P101Y"])
def test_advance_refuses_what_azures_dates_cannot_hold_before_saving(start_sandbox, duration):
    own = start_sandbox()
    before = own.sb.clock.offset()
    r = advance(own.state_dir, duration)
    assert r.returncode == 2 and ("shorter duration" in r.stderr or "9999" in r.stderr), r.stderr
    assert "Traceback" not in r.stderr
    assert own.sb.clock.offset() == before
    with own.activated():                       # and the sandbox still works, clock and all
        assert arm_get(signed(own)).status_code == 200
        assert advance(own.state_dir, "P7D").returncode == 0
