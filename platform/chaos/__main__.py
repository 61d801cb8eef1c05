"""`make chaos [CHAOS_FAULTS=...]`: under a steady checkout load through the gateway, inject each
fault in turn, then check the invariants and print, per fault, what the customers saw.

Environment: CHAOS_FAULTS (default `all`: kill each service in turn, then restart RabbitMQ,
PostgreSQL and Redis; or a list such as `kill:order-service redis`), CHAOS_BUYERS (16),
CHAOS_CALM (seconds of steady load before the first fault and after each one is healed, 15),
CHAOS_OUTAGE (seconds RabbitMQ, PostgreSQL or Redis stays down, 5), CHAOS_SETTLE (seconds to
wait for the last orders, refunds and reservations to settle before the checks, 120),
CHAOS_DIR (where summary.txt and runs/ go; .run/chaos).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._context import PLATFORM, env_float, env_int
from bench._shop import (
    GATEWAY,
    ShopNotRunning,
    address,
    admin_token,
    catalog_skus,
    check_running,
    commit,
    customers,
    top_up,
)
from bench._stats import Record, read_records
from shopkit_platform._paths import RUN
from shopkit_platform.runner import MAIL_DIR

from . import _carts
from ._checks import Findings, StockSnapshot, check, stock_snapshot
from ._faults import Fault, FaultError, plan

AVAILABILITY_GOAL = 99.9  # % of checkout requests that succeed while one replica is killed
RECOVERY_GOAL = 5.0  # seconds to full recovery after RabbitMQ, PostgreSQL or Redis is back
QUIET = 15.0  # seconds without an open order ending before the checks are final


@dataclass
class Window:
    fault: str
    injected: float  # epoch seconds
    healed: float  # the component was back (restarted and answering)
    until: float  # the end of the calm that followed

    def during(self, records: list[Record]) -> list[Record]:
        return [r for r in records if self.injected <= r.t < self.healed]

    def availability(self, records: list[Record]) -> tuple[int, float]:
        """(requests sent while the fault lasted, % of them that succeeded)."""
        during = self.during(records)
        ok = sum(1 for r in during if r.outcome == "ok")
        return len(during), 100.0 * ok / len(during) if during else 100.0

    def recovery(self, records: list[Record]) -> float:
        """Seconds after the component was back until the last request that failed in this
        window had failed: when customers stopped seeing the fault. (A request still in flight
        when the next fault starts is that fault's.)"""
        ends = [
            end
            for r in records
            if r.outcome != "ok" and self.healed < (end := r.t + r.ms / 1000) <= self.until
        ]
        return max(ends) - self.healed if ends else 0.0

    def slowest_order(self, outcomes: list[dict[str, Any]]) -> float:
        """The longest a customer who started buying in this window waited for the outcome
        (cart to confirmed or cancelled), in seconds."""
        waits = [o["seconds"] for o in outcomes
                 if self.injected <= o["at"] < self.until and "seconds" in o]  # fmt: skip
        return max(waits, default=0.0)


def main() -> int:
    try:
        faults = plan(os.environ.get("CHAOS_FAULTS", "all"), env_float("CHAOS_OUTAGE", 5.0))
        check_running()
    except (FaultError, ShopNotRunning) as error:
        print(f"make chaos: {error}", file=sys.stderr)
        return 2
    buyers, calm = env_int("CHAOS_BUYERS", 16), env_float("CHAOS_CALM", 15.0)
    out = Path(os.environ.get("CHAOS_DIR") or RUN / "chaos")
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    measured = commit()
    print(f"==> chaos (commit {measured}): {len(faults)} fault(s), {buyers} customers", flush=True)

    skus = [s.sku for s in catalog_skus()][: max(20, buyers * 5)]
    top_up(admin_token(), skus, 200)
    *tokens, keeper_a, keeper_b = customers(buyers + 2)
    kept = _carts.fill([keeper_a, keeper_b], skus)
    before = stock_snapshot()
    since = datetime.now(UTC)
    stop = work / "stop"
    stop.unlink(missing_ok=True)
    config = {
        "gateway": GATEWAY, "tokens": tokens, "skus": skus,
        "addresses": [address(i + 1) for i in range(buyers)], "start_at": time.time() + 1,
        "end_at": time.time() + 24 * 3600, "stop_file": str(stop),
        "records": str(work / "requests.csv"), "outcomes": str(work / "outcomes.json"),
    }  # fmt: skip
    load = _start_load(work, config)
    windows: list[Window] = []
    stopped_early: str | None = None
    try:
        _calm(calm, "steady load before the first fault")
        for fault in faults:
            windows.append(_inject(fault, calm))
    except FaultError as failure:
        stopped_early = str(failure)
        print(f"!!  {stopped_early}", file=sys.stderr, flush=True)
    finally:
        stop.touch()
        load.wait(timeout=300)
    findings = _settle_and_check(since, before, env_float("CHAOS_SETTLE", 120.0))
    for detail in _carts.lost(kept):
        findings.add("carts", detail)
    records = read_records([work / "requests.csv"])
    outcomes = json.loads((work / "outcomes.json").read_text())
    lines = _report(windows, records, outcomes, findings, buyers, measured)
    if stopped_early:
        lines.append(f"!! the run stopped early: {stopped_early}")
    text = "\n".join(lines)
    print(f"\n{text}", flush=True)
    (out / "summary.txt").write_text(text + "\n")
    runs = out / "runs"
    runs.mkdir(exist_ok=True)
    run = {
        "commit": measured, "started": since.timestamp(), "buyers": buyers,
        "windows": [_figures(w, records, outcomes) for w in windows],
        "orders": dict(findings.orders),
        "still_open": findings.still_open, "violations": dict(findings.violations),
        "reconciled": dict(findings.reconciled),
        "summary": lines,
    }  # fmt: skip
    (runs / f"{time.strftime('%Y%m%d-%H%M%S')}-chaos.json").write_text(json.dumps(run))
    return 1 if findings.count or stopped_early else 0


def _figures(
    window: Window, records: list[Record], outcomes: list[dict[str, Any]]
) -> dict[str, Any]:
    sent, share = window.availability(records)
    return {**asdict(window), "requests": sent, "succeeded_pct": round(share, 2),
            "recovery_s": round(window.recovery(records), 2),
            "slowest_order_s": window.slowest_order(outcomes)}  # fmt: skip


def _start_load(work: Path, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    path = work / "shoppers.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PLATFORM), os.environ.get("PYTHONPATH", "")) if p
    )}  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "chaos._shoppers", str(path)], env=env)


def _calm(seconds: float, why: str) -> None:
    print(f"    {seconds:.0f} s of {why}", flush=True)
    time.sleep(seconds)


def _inject(fault: Fault, calm: float) -> Window:
    injected = time.time()
    fault.inject()
    print(f"--> {fault.name}: injected", flush=True)
    fault.heal()
    healed = time.time()
    print(f"    {fault.name}: back after {healed - injected:.1f} s", flush=True)
    _calm(calm, "steady load to watch the recovery")
    return Window(fault.name, injected, healed, time.time())


def _settle_and_check(since: datetime, before: StockSnapshot, patience: float) -> Findings:
    """The checks, once the run's orders, refunds and reservations have settled: asked again
    every few seconds while something is still wrong or still moving (the number of open
    orders changed within `QUIET` seconds), until `patience` runs out."""
    print("    waiting for the last orders to settle ...", flush=True)
    deadline = time.monotonic() + patience
    last_open, quiet_since = -1, time.monotonic()
    while True:
        findings = check(since, before, MAIL_DIR)
        if findings.still_open != last_open:
            last_open, quiet_since = findings.still_open, time.monotonic()
        quiet = not findings.still_open or time.monotonic() - quiet_since >= QUIET
        if (not findings.count and quiet) or time.monotonic() > deadline:
            return findings
        time.sleep(3)


def _report(
    windows: list[Window],
    records: list[Record],
    outcomes: list[dict[str, Any]],
    findings: Findings,
    buyers: int,
    measured: str,
) -> list[str]:
    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [
        f"== chaos | commit {measured} | {buyers} customers | {stamp}",
        f"{'fault':<28}{'fault (s)':>9}{'requests':>10}{'succeeded':>11}{'recovery (s)':>14}"
        f"{'slowest order (s)':>19}",
    ]
    for window in windows:
        sent, share = window.availability(records)
        recovery = window.recovery(records)
        infra = not window.fault.startswith("kill:")
        goal = (f"recovery <= {RECOVERY_GOAL:.0f} s: "
                f"{'meets' if recovery <= RECOVERY_GOAL else 'MISSES'}" if infra else
                f"succeeded >= {AVAILABILITY_GOAL} %: "
                f"{'meets' if share >= AVAILABILITY_GOAL else 'MISSES'}")  # fmt: skip
        lines.append(f"{window.fault:<28}{window.healed - window.injected:>9.1f}{sent:>10}"
                     f"{share:>10.2f}%{recovery:>14.1f}{window.slowest_order(outcomes):>19.1f}"
                     f"   {goal}")  # fmt: skip
    total = len(records)
    ok = sum(1 for r in records if r.outcome == "ok")
    lines.append(f"checkout requests in the whole run: {total}, "
                 f"{100.0 * ok / total if total else 100.0:.2f} % succeeded")  # fmt: skip
    lines.append(f"orders placed, by status: {dict(findings.orders)}"
                 + (f" ({findings.still_open} open, inside their checkout window)"
                    if findings.still_open else ""))  # fmt: skip
    for invariant in ("terminal", "charges", "stock", "messages", "carts"):
        found = findings.violations.get(invariant, [])
        lines.append(f"invariant {invariant:<10} {'OK' if not found else f'{len(found)} VIOLATED'}")
        lines.extend(f"    {detail}" for detail in found[:10])
    lines.append(f"invariant violations: {findings.count}")
    lines.append("reconciliation during the run: " + (
        ", ".join(f"{kind} {n}" for kind, n in sorted(findings.reconciled.items()))
        or "nothing to repair"))  # fmt: skip
    return lines


if __name__ == "__main__":
    sys.exit(main())
