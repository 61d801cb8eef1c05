"""The checkout's invariants, read after a chaos run from the services' own databases and from
the mail the customers received (make up's mail sink): what no fault may break.

1. Every order of the run ends confirmed or cancelled within its checkout window (an order
   still open before its `expires_at` is reported, not counted against the shop).
2. One successful charge per confirmed order, for its total; no money kept on a cancelled one.
3. Stock conserved per SKU: units gone from stock == units committed since the run began, and
   the run's confirmed orders committed what they sold; units reserved == units held by live
   reservations; no reservation left active for an order that ended. (Counted against the
   reservations, so orders placed before the run and settling during it count too.)
4. No duplicate message: at most one confirmation and one cancellation email per order.
5. (`_carts`) Carts filled before the first fault hold the same lines after the last one.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from bench._db import fetch

OPEN = ("pending", "awaiting_payment")
ENDED = ("confirmed", "cancelled", "refunded")
KEPT = ("succeeded", "refunded")  # payment statuses that captured money (refunds subtract)
WINDOW_SLACK = timedelta(seconds=30)  # the sweeper's interval and a cancellation's events
SUBJECT = re.compile(r"Your order (\S+) is (confirmed|cancelled)")


@dataclass
class StockSnapshot:
    on_hand: dict[str, int]
    reserved: dict[str, int]


@dataclass
class Findings:
    orders: Counter[str] = field(default_factory=Counter)  # final status -> orders
    still_open: int = 0  # open and still inside their checkout window
    violations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # What order-service's reconciliation found and did during the run: kind -> findings
    # (repaired or left for an admin). Not a violation: the repair is the shop healing itself.
    reconciled: Counter[str] = field(default_factory=Counter)

    def add(self, invariant: str, detail: str) -> None:
        self.violations[invariant].append(detail)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.violations.values())


def stock_snapshot() -> StockSnapshot:
    rows = fetch("inventory", "SELECT sku, sum(on_hand), sum(reserved) FROM stock GROUP BY sku")
    return StockSnapshot({r[0]: int(r[1]) for r in rows}, {r[0]: int(r[2]) for r in rows})


def run_orders(since: datetime) -> list[Any]:
    return fetch(
        "order",
        "SELECT id::text AS id, status, total, currency, payment_id, expires_at "
        "FROM orders WHERE created_at >= $1",
        since,
    )


def reconciliation_findings(since: datetime) -> Counter[str]:
    rows = fetch(
        "order",
        "SELECT kind || CASE WHEN repaired THEN '' ELSE ' (unrepaired)' END, count(*) "
        "FROM reconciliation_finding WHERE created_at >= $1 GROUP BY 1",
        since,
    )
    return Counter({str(row[0]): int(row[1]) for row in rows})


def check(since: datetime, before: StockSnapshot, mail_dir: Path) -> Findings:
    findings = Findings()
    findings.reconciled = reconciliation_findings(since)
    orders = {o["id"]: o for o in run_orders(since)}
    now = datetime.now(UTC)
    ended = {i for i, o in orders.items() if o["status"] in ENDED}
    for order_id, order in orders.items():
        findings.orders[order["status"]] += 1
        if order["status"] in OPEN:
            if order["expires_at"] + WINDOW_SLACK < now:
                findings.add("terminal", f"order {order_id} still {order['status']} after "
                             f"its window ended at {order['expires_at']:%H:%M:%S}")  # fmt: skip
            else:
                findings.still_open += 1
    _check_charges(findings, orders)
    _check_stock(findings, orders, ended, before, since)
    _check_mail(findings, set(orders), since, mail_dir)
    return findings


def _check_charges(findings: Findings, orders: dict[str, Any]) -> None:
    if not orders:
        return
    charges: dict[str, list[Any]] = defaultdict(list)
    for row in fetch(
        "payment",
        "SELECT order_id, status, amount, refunded_amount FROM payment WHERE order_id = ANY($1)",
        list(orders),
    ):
        charges[row["order_id"]].append(row)
    for order_id, order in orders.items():
        succeeded = [p for p in charges[order_id] if p["status"] in KEPT]
        kept = sum(p["amount"] - p["refunded_amount"] for p in succeeded)
        if order["status"] == "confirmed":
            if len(succeeded) != 1 or kept != order["total"]:
                charged = f"{len(succeeded)} successful charge(s) keeping {kept}"
                total = order["total"]
                findings.add("charges", f"confirmed order {order_id}: {charged} of {total}")
        elif order["status"] == "cancelled" and kept:
            findings.add("charges", f"cancelled order {order_id} keeps {kept} {order['currency']}")


def _check_stock(
    findings: Findings,
    orders: dict[str, Any],
    ended: set[str],
    before: StockSnapshot,
    since: datetime,
) -> None:
    """Per SKU, counted against the reservations themselves, so that orders placed before the
    run (paid, or timing out, while it runs) are accounted for too: units reserved == units
    held by live reservations; units gone from stock == units committed since the run began;
    the run's confirmed orders committed exactly what they sold; no live reservation for one of
    the run's orders that ended."""
    after = stock_snapshot()
    sold = _per_sku(fetch(
        "order",
        "SELECT sku, quantity FROM order_line WHERE order_id::text = ANY($1)",
        [i for i, o in orders.items() if o["status"] == "confirmed"],
    ))  # fmt: skip
    held: Counter[str] = Counter()
    committed: Counter[str] = Counter()
    committed_by_run: Counter[str] = Counter()
    for row in fetch(
        "inventory",
        "SELECT order_id, status, lines FROM reservation"
        " WHERE status = 'active' OR (status = 'committed' AND updated_at >= $1)",
        since,
    ):
        lines = _per_sku((line["sku"], line["quantity"]) for line in _lines(row["lines"]))
        if row["status"] == "active":
            held.update(lines)
            if row["order_id"] in ended:
                findings.add("stock", f"reservation of order {row['order_id']} still active "
                             "after the order ended")  # fmt: skip
        else:
            committed.update(lines)
            if row["order_id"] in orders:
                committed_by_run.update(lines)
    for sku in sorted(set(before.on_hand) | set(after.on_hand)):
        gone = before.on_hand.get(sku, 0) - after.on_hand.get(sku, 0)
        if gone != committed[sku]:
            findings.add("stock", f"{sku}: {gone} units gone from stock, {committed[sku]} "
                         "committed by orders")  # fmt: skip
        if sold[sku] != committed_by_run[sku]:
            findings.add("stock", f"{sku}: the run's confirmed orders sold {sold[sku]}, "
                         f"committed {committed_by_run[sku]}")  # fmt: skip
        if after.reserved.get(sku, 0) != held[sku]:
            findings.add("stock", f"{sku}: {after.reserved.get(sku, 0)} units reserved, "
                         f"{held[sku]} held by live reservations")  # fmt: skip


def _per_sku(rows: Any) -> Counter[str]:
    counted: Counter[str] = Counter()
    for sku, quantity in rows:
        counted[sku] += int(quantity)
    return counted


def _lines(value: Any) -> list[dict[str, Any]]:
    return list(json.loads(value) if isinstance(value, str) else value)


def _check_mail(findings: Findings, orders: set[str], since: datetime, mail_dir: Path) -> None:
    sent: Counter[tuple[str, str]] = Counter()
    cutoff = since.timestamp() - 1
    for path in (mail_dir / "new").glob("*"):
        if path.stat().st_mtime < cutoff:
            continue
        with path.open("rb") as handle:
            subject = str(BytesHeaderParser().parse(handle).get("Subject", ""))
        match = SUBJECT.search(subject)
        if match and match.group(1) in orders:
            sent[(match.group(1), match.group(2))] += 1
    for (order_id, kind), count in sorted(sent.items()):
        if count > 1:
            findings.add("messages", f"order {order_id}: {count} '{kind}' emails")
