"""checkout: N logged-in customers buying in a loop; the brief's order figures, from the
services' own databases.

Before the clock: customers registered and logged in (argon2 stays out of the window), the SKUs
on sale topped up through the admin API so stock cannot run out at 2,000 orders/min, and the
units on hand counted. During the window: CPU of every process. After it: each customer finishes
the order in hand, then order-service's history, payment-service's settlement times and
inventory-service's counts give the figures.
"""

from __future__ import annotations

import math
import time
from typing import Any

from . import _db, _shop
from ._context import Context, env_int, target
from ._sampler import OUTSIDE
from ._stats import endpoint_table, errors_by_kind, percentile, read_records, timeline

TARGET_PER_MIN, TARGET_PAY_P95, TARGET_ORDER_P95, TARGET_CPU = 1000, 1.0, 300.0, 0.1
AIM_PER_MIN = 2500  # stock is sized so even this rate cannot empty a SKU


def run(ctx: Context) -> dict[str, Any]:
    buyers = env_int("BENCH_BUYERS", 48)
    seconds = env_int("BENCH_SECONDS", 300)
    admin = _shop.admin_token()
    # Every SKU on sale for a full run; a small run buys a few (fewer to top up, same path).
    skus = [s.sku for s in _shop.catalog_skus()][: max(20, buyers * 5)]
    floor = max(50, math.ceil(3 * AIM_PER_MIN * seconds / 60 / len(skus)))
    topped = _shop.top_up(admin, skus, floor)
    ctx.say(f"stock: {len(skus)} SKUs on sale; {topped} topped up through the admin API to"
            f" {floor} free units each (enough for {AIM_PER_MIN}/min for {seconds} s)")  # fmt: skip
    tokens = _shop.customers(buyers)
    on_hand_before = _db.on_hand_total()
    reserved_before = _db.reserved_total()
    start = time.time() + 2
    end = start + seconds
    config = {
        "mode": "checkout", "gateway": ctx.gateway, "tokens": tokens, "skus": skus,
        "addresses": [_shop.address(i + 1) for i in range(buyers)], "start_at": start,
        "end_at": end, "patience": 60, "records": str(ctx.work / "checkout.csv"),
        "outcomes": str(ctx.work / "checkout-outcomes.json"), "connections": buyers * 2,
    }  # fmt: skip
    driver = ctx.python("_buyers", config, "checkout")
    ctx.say(f"{buyers} customers buying for {seconds} s (load generator pid {driver.pid}) ...")
    driver.wait(timeout=seconds + 120)
    placed = _settle(start)
    _db.wait_reserved(reserved_before)
    on_hand_after = _db.on_hand_total()

    records = read_records([ctx.work / "checkout.csv"])
    window = (start, end)
    confirmed = _db.confirmations(start, end)
    per_min = len(confirmed) / (seconds / 60)
    settled = _db.settled([p for _, p, _ in confirmed if p])
    pay_to_confirm = [
        (at - settled[p]).total_seconds() for _, p, at in confirmed if p and p in settled
    ]
    buckets = _per_minute_series(confirmed, start, seconds)
    endpoints = endpoint_table(records, window)
    order_post = endpoints.get("POST /api/orders", {"p50": 0, "p95": 0, "p99": 0})
    cpu = ctx.sampler.cpu_between(start, end)
    shop_cpu = sum(v for k, v in cpu.items() if k not in OUTSIDE)
    per_order = shop_cpu / len(confirmed) if confirmed else float("inf")
    units = _db.units_confirmed_since(start)
    gone = on_hand_before - on_hand_after
    figures = {
        "buyers": buyers, "seconds": seconds, "confirmed": len(confirmed),
        "confirmed_per_min": round(per_min, 1),
        "pay_to_confirmed_p50": round(percentile(pay_to_confirm, 0.5), 3),
        "pay_to_confirmed_p95": round(percentile(pay_to_confirm, 0.95), 3),
        "order_post_p50": order_post["p50"], "order_post_p95": order_post["p95"],
        "order_post_p99": order_post["p99"],
        "cpu_per_order": round(per_order, 4),
        "cpu_per_order_by_process": {
            k: round(v / max(1, len(confirmed)), 4)
            for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])
        },
        "load_generator_cpu_share": round(cpu.get("load generator", 0.0) / seconds, 2),
        "orders_placed_by_status": placed, "cancel_reasons": _db.cancel_reasons_since(start),
        "errors": errors_by_kind(records, window),
        "conservation": {"units_confirmed": units, "units_gone_from_stock": gone,
                         "ok": units == gone},
        "stock_topped_up": {"skus": topped, "floor": floor},
    }  # fmt: skip
    _print(ctx, figures)
    return {
        "figures": figures,
        "endpoints": endpoints,
        "window": [start, end],
        "timeline": timeline(records, start, end),
        "confirmed_per_min_series": buckets,
    }


def _settle(start: float, patience: float = 30.0) -> dict[str, int]:
    """Wait until no order placed in the run is still in checkout (the sweeper's business)."""
    deadline = time.monotonic() + patience
    while True:
        placed = _db.orders_since(start)
        if not {"pending", "awaiting_payment"} & placed.keys() or time.monotonic() > deadline:
            return placed
        time.sleep(1)


def _per_minute_series(confirmed: list[Any], start: float, seconds: int) -> dict[str, list[float]]:
    """Confirmed orders per minute over time, in buckets of 10 s (or less for short runs)."""
    bucket = 10.0 if seconds >= 60 else max(1.0, seconds / 6)
    counts = [0] * max(1, math.ceil(seconds / bucket))
    for _, _, at in confirmed:
        index = int((at.timestamp() - start) // bucket)
        if 0 <= index < len(counts):
            counts[index] += 1
    return {
        "t": [round((i + 0.5) * bucket, 1) for i in range(len(counts))],
        "per_min": [round(c * 60 / bucket, 1) for c in counts],
    }


def _print(ctx: Context, f: dict[str, Any]) -> None:
    ctx.say(
        f"{'confirmed orders/min (order-service DB)':<44}{f['confirmed_per_min']:>10.1f}"
        f"   target >= {TARGET_PER_MIN}: {target(f['confirmed_per_min'] >= TARGET_PER_MIN)}"
    )
    ctx.say(
        f"{'payment -> confirmed p50 / p95 (s)':<44}"
        f"{f['pay_to_confirmed_p50']:>5.2f} / {f['pay_to_confirmed_p95']:.2f}"
        f"   target p95 < {TARGET_PAY_P95:.0f} s: "
        f"{target(f['pay_to_confirmed_p95'] < TARGET_PAY_P95)}"
    )
    ctx.say(
        f"{'POST /api/orders p50 / p95 / p99 (ms)':<44}{f['order_post_p50']:>5.0f} / "
        f"{f['order_post_p95']:.0f} / {f['order_post_p99']:.0f}"
        f"   target p95 < {TARGET_ORDER_P95:.0f} ms: "
        f"{target(f['order_post_p95'] < TARGET_ORDER_P95)}"
    )
    ctx.say(
        f"{'CPU s per confirmed order (whole shop)':<44}{f['cpu_per_order']:>10.3f}"
        f"   target <= {TARGET_CPU}: {target(f['cpu_per_order'] <= TARGET_CPU)}"
    )
    breakdown = ", ".join(
        f"{k} {v * 1000:.0f} ms"
        for k, v in f["cpu_per_order_by_process"].items()
        if v >= 0.0005 and k not in OUTSIDE
    )
    ctx.say(f"  per process (ms/order): {breakdown}")
    ctx.say(f"  load generator used {f['load_generator_cpu_share']:.2f} cores (not counted)")
    c = f["conservation"]
    ctx.say(
        f"conservation: {c['units_confirmed']} units in confirmed orders, "
        f"{c['units_gone_from_stock']} gone from stock: {'OK' if c['ok'] else 'MISMATCH'}"
    )
    ctx.say(
        f"orders placed, by final status: {f['orders_placed_by_status']}"
        + (f"; cancelled because {f['cancel_reasons']}" if f["cancel_reasons"] else "")
    )
    ctx.say(f"errors by kind: {f['errors'] or 'none'}")
