"""`make chaos` cannot rot, and the shop keeps its promises through a few faults: a small
checkout load while payment-service's first process is killed and RabbitMQ, PostgreSQL and Redis
each go down and come back; then every order must have ended, each confirmed order been charged
once and no cancelled one kept money, stock balance per SKU, no email go out twice and the carts
filled before the faults be whole. While payment-service's first process is replaced, its other
process pays: checkout goes on (a request in flight on the killed process may fail, so the
share asked for is well below make chaos's 99.9 % goal, and far above the 20-35 % a service
without a second process gave). Recovery times are printed, not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, Gateway

pytestmark = pytest.mark.e2e

FAULTS = "kill:payment-service rabbitmq postgres redis"
SMALL = {"CHAOS_FAULTS": FAULTS, "CHAOS_BUYERS": "4", "CHAOS_CALM": "4",
         "CHAOS_OUTAGE": "2", "CHAOS_SETTLE": "90"}  # fmt: skip


def test_a_short_chaos_run_breaks_no_invariant(shop: Gateway, tmp_path: Path) -> None:
    started = time.monotonic()
    env = {**os.environ, **SMALL, "CHAOS_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "shopkit_platform", "chaos"], cwd=ROOT / "platform", env=env,
        capture_output=True, text=True, timeout=400, check=False,
    )  # fmt: skip
    print(f"chaos smoke took {time.monotonic() - started:.0f}s\n{done.stdout[-2500:]}")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]

    summary = (tmp_path / "summary.txt").read_text()
    for fault in FAULTS.split():
        assert f"\n{fault} " in summary, summary
    assert "invariant violations: 0" in summary, summary
    (run,) = (json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json"))
    assert [w["fault"] for w in run["windows"]] == FAULTS.split()
    killed = run["windows"][0]
    assert killed["requests"] > 0, killed
    assert killed["succeeded_pct"] >= 90.0, killed
    assert run["orders"].get("confirmed", 0) > 0, run["orders"]
    assert not run["violations"], run["violations"]
