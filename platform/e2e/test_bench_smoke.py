"""`make bench` cannot rot: every profile runs for a few seconds at tiny sizes against the shop
this suite runs, and what a user would look at is checked: the report and the summary exist and
carry each profile's figures, checkout's units balance with the stock, and the flash sale sold
exactly the units there were, never one more. It measures nothing: figures at this size mean
nothing, and a 2-core CI box has its own ideas about speed."""

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

TINY = {
    "PROFILE": "checkout browse reads flash_sale pages",
    "BENCH_BUYERS": "4", "BENCH_SECONDS": "6",
    "BENCH_USERS": "20", "BENCH_BROWSE_SECONDS": "3", "BENCH_RAMP": "1", "BENCH_THINK": "0.5,1",
    "BENCH_READS_SECONDS": "1", "BENCH_READS_CONNECTIONS": "16",
    "BENCH_FLASH_BUYERS": "20", "BENCH_FLASH_UNITS": "5", "BENCH_FLASH_PATIENCE": "15",
    "BENCH_FLASH_BROWSERS": "3", "BENCH_ROUNDS": "1",
    "BENCH_INSTALL_WRK": "0",  # a test installs nothing: without wrk the built-in prober runs
}  # fmt: skip


def test_every_bench_profile_runs_and_reports(shop: Gateway, tmp_path: Path) -> None:
    started = time.monotonic()
    env = {**os.environ, **TINY, "BENCH_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "shopkit_platform", "bench"], cwd=ROOT / "platform", env=env,
        capture_output=True, text=True, timeout=150, check=False,
    )  # fmt: skip
    print(f"bench smoke took {time.monotonic() - started:.0f}s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    summary = (tmp_path / "summary.txt").read_text()
    for figure in ("confirmed orders/min", "payment -> confirmed", "CPU s per confirmed order",
                   "worst p95", "of bare", "search at its own port", "answers:", "worst page p95",
                   "memory: the whole shop"):  # fmt: skip
        assert figure in summary, f"{figure!r} missing from summary.txt:\n{summary}"
    assert "gone from stock: OK" in summary, summary  # checkout's conservation check
    assert "confirmed 5 of 5 units (exactly all), oversold 0" in summary, summary

    report = (tmp_path / "report.html").read_text()
    for profile in ("checkout", "browse", "reads", "flash_sale", "pages"):
        assert f"<h2 id='{profile}'>" in report
    assert report.count("<svg") >= 8  # plots inline, drawn by matplotlib
    assert "<script" not in report  # self-contained: nothing to run or fetch
    assert "src=" not in report

    runs = {p.stem.split("-", 2)[2]: json.loads(p.read_text())
            for p in (tmp_path / "runs").glob("*.json")}  # fmt: skip
    assert set(runs) == {"checkout", "browse", "reads", "flash_sale", "pages"}
    checkout = runs["checkout"]["figures"]
    assert checkout["confirmed"] > 0, checkout
    assert checkout["conservation"]["ok"], checkout
    flash = runs["flash_sale"]["figures"]
    assert flash["confirmed"] == flash["units"] == 5, flash
    assert flash["oversold"] == 0, flash
    assert runs["checkout"]["label"].endswith("per hot service")
