"""flash_sale: one SKU set to exactly U units, then B buyers arrive at the same moment, each
ordering one unit and paying; a light browse load runs beside them.

It measures whatever the shop answers today (201 and confirmed, 409 sold out, 429/503 with
Retry-After = queued, which the buyer honours until its patience ends, or a timeout), checks
from inventory-service's and order-service's databases that exactly U were sold and none
oversold, and puts the SKU's stock back afterwards.

Each buyer is a customer of its own (order-service orders only the caller's own cart), with its
own client address. Registering costs an argon2 hash, so the first full-size run registers the
5,000 bench customers once (about 15 minutes of the shop's CPU on 2 cores); later runs reuse
them (`.run/bench/customers.json`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from . import _db, _shop
from ._context import Context, env_float, env_int
from ._sampler import LOAD
from ._stats import endpoint_table, percentile, read_records, timeline


def _sale_sku() -> str:
    """A SKU with no open reservation: one that an earlier checkout still holds would be
    released during the sale and add units to it."""
    skus = [s.sku for s in _shop.catalog_skus(100)][::-1]
    for sku in skus:
        if _db.stock_of(sku)["reserved"] == 0:
            return sku
    raise RuntimeError("every SKU on sale has open reservations; try again in a few minutes")


def run(ctx: Context) -> dict[str, Any]:
    buyers = env_int("BENCH_FLASH_BUYERS", 5000)
    units = env_int("BENCH_FLASH_UNITS", 100)
    patience = env_float("BENCH_FLASH_PATIENCE", 60)
    browsers = env_int("BENCH_FLASH_BROWSERS", 20)
    admin = _shop.admin_token()
    sku = _sale_sku()
    tokens = _shop.customers(buyers)
    original = _shop.set_available(admin, sku, units)
    before = _db.stock_of(sku)
    products = [s.product_id for s in _shop.catalog_skus(20)]
    start = time.time() + 3
    config = {
        "mode": "flash", "gateway": ctx.gateway, "tokens": tokens, "sku": sku,
        "buyers": buyers, "addresses": [_shop.address(1000 + i) for i in range(buyers)],
        "start_at": start, "patience": patience, "browsers": browsers,
        "browse_seconds": min(patience, 30), "products": products,
        "records": str(ctx.work / "flash.csv"), "outcomes": str(ctx.work / "flash-outcomes.json"),
        "connections": buyers + browsers, "timeout": patience,
    }  # fmt: skip
    ctx.say(f"sale: {units} units of {sku}; {buyers} buyers at once, {browsers} light browsers")
    driver = ctx.python("_buyers", config, "flash")
    try:
        driver.wait(timeout=patience * 3 + 60)
        placed = _settle_sale(start)
        _db.wait_reserved(before["reserved"], sku)
        after = _db.stock_of(sku)
        sold = _db.units_confirmed_since(start, sku)
    finally:
        _shop.restore_on_hand(admin, sku, original)
    outcomes: list[dict[str, Any]] = json.loads((ctx.work / "flash-outcomes.json").read_text())
    answers = Counter(o["answer"] for o in outcomes)
    seconds = [o["seconds"] for o in outcomes]
    first = [o["first"] for o in outcomes if o.get("first") is not None]
    records = read_records([ctx.work / "flash.csv"])
    end = max((r.t for r in records), default=start)
    browse = [r.ms for r in records if r.endpoint.startswith("browse:")]
    browse_errors = sum(
        1 for r in records if r.endpoint.startswith("browse:") and r.outcome != "ok"
    )
    gone = before["on_hand"] - after["on_hand"]
    figures = {
        "sku": sku, "buyers": buyers, "units": units,
        "confirmed": sold, "confirmed_orders_client": answers.get("confirmed", 0),
        "oversold": max(0, sold - units, gone - units), "units_gone_from_stock": gone,
        "stock_after": after, "answers": dict(answers),
        "queued_first": sum(1 for o in outcomes if o.get("queued")),
        "answer_p50": round(percentile(seconds, 0.5), 2),
        "answer_p95": round(percentile(seconds, 0.95), 2),
        "first_answer_p95": round(percentile(first, 0.95), 2),
        "browse_p95": round(percentile(browse, 0.95), 1), "browse_requests": len(browse),
        "browse_errors": browse_errors, "orders_placed_by_status": placed,
    }  # fmt: skip
    held = after["reserved"]
    figures["still_reserved"] = held
    verdict = "OK" if figures["oversold"] == 0 else "OVERSOLD"
    ctx.say(f"confirmed {sold} of {units} units ({'exactly all' if sold == units else 'NOT all'}),"
            f" oversold {figures['oversold']} ({verdict}), {gone} units gone from stock"
            + (f"; {held} still reserved by checkouts the buyers abandoned (released when the"
               " reservations expire)" if held else ""))  # fmt: skip
    ctx.say(f"answers: {dict(answers)} ({figures['queued_first']} were queued first)")
    details = Counter(o["detail"] for o in outcomes if o.get("detail"))
    figures["refusals"] = dict(details)
    ctx.say(f"  refusals, by request and status: {dict(details) or 'none'}")
    ctx.say(
        f"time to a definite answer p50 / p95: {figures['answer_p50']:.2f} / "
        f"{figures['answer_p95']:.2f} s; checkout first answered (placed, refused or queued)"
        f" p95 {figures['first_answer_p95']:.2f} s"
    )
    ctx.say(
        f"light browse during the sale: p95 {figures['browse_p95']:.0f} ms over"
        f" {len(browse)} requests, {browse_errors} errors (target p95 < 200 ms)"
    )
    load = ctx.sampler.cpu_between(start, end).get(LOAD, 0.0) / max(end - start, 1.0)
    figures["load_generator_cores"] = round(load, 2)
    ctx.say(
        f"load generator: {load:.2f} cores during the sale (one Python process; near 1.0"
        f" it, not the shop, set the pace of arrivals)"
    )
    ctx.say(f"stock of {sku} restored to {original} on hand")
    return {
        "figures": figures,
        "endpoints": endpoint_table(records, (start, end)),
        "window": [start, end],
        "timeline": timeline(records, start, end),
    }


def _settle_sale(start: float, patience: float = 30.0) -> dict[str, int]:
    deadline = time.monotonic() + patience
    while True:
        placed = _db.orders_since(start)
        if not {"pending", "awaiting_payment"} & placed.keys() or time.monotonic() > deadline:
            return placed
        time.sleep(1)
