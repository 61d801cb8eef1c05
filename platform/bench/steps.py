"""Where one order's CPU goes, step by step: `python -m bench.steps [ORDERS]` (run from
platform/ against a running `make up`; not a `make bench` profile, and not in `make test`).

One customer orders ORDERS times (40 by default) in sequence, nothing else running: cart, add,
order, a pause for the reservation saga, pay, a pause for the confirmation, one status read,
a last pause. Around each step the bench's sampler reads the CPU time of every shop process, so
each step's cost lands on the processes that did the work. The pauses also hold the idle
shop's own background work; its share per pause is printed beside the table to subtract.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from ._sampler import Sampler
from ._shop import ADDRESS, GATEWAY, admin_token, catalog_skus, customers, top_up

PAUSE = 0.6  # seconds: long enough for the saga's events at rest


async def _one_order(api: httpx.AsyncClient, sku: str, step: Callable[[str], None]) -> str:
    cart = (await api.post("/api/carts", json={"currency": "EUR"})).raise_for_status().json()
    for line in cart.get("lines", []):
        await api.delete(f"/api/carts/{cart['id']}/items/{line['sku']}")
    step("POST /api/carts")
    added = await api.post(f"/api/carts/{cart['id']}/items", json={"sku": sku, "quantity": 1})
    added.raise_for_status()
    step("add to cart")
    order = (
        (
            await api.post(
                "/api/orders",
                json={"cart_id": cart["id"], "shipping_address": ADDRESS, "currency": "EUR"},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
        )
        .raise_for_status()
        .json()
    )
    step("POST /api/orders")
    await asyncio.sleep(PAUSE)
    step(f"pause: reservation ({PAUSE} s)")
    paid = await api.post(
        f"/api/payments/{order['payment_id']}/confirm", json={"payment_method": "pm_card_visa"}
    )
    paid.raise_for_status()
    step("POST /api/payments/{id}/confirm")
    await asyncio.sleep(PAUSE)
    step(f"pause: confirmation ({PAUSE} s)")
    status = (await api.get(f"/api/orders/{order['id']}")).raise_for_status().json()["status"]
    step("GET /api/orders/{id}")
    await asyncio.sleep(PAUSE)
    step(f"pause: after ({PAUSE} s)")
    return str(status)


async def measure(orders: int, token: str, skus: list[str]) -> dict[str, Any]:
    per_step: dict[str, collections.Counter[str]] = {}
    statuses: collections.Counter[str] = collections.Counter()
    sampler = Sampler()
    sampler.cpu_since_last()

    def step(name: str) -> None:
        per_step.setdefault(name, collections.Counter()).update(sampler.cpu_since_last())

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=GATEWAY, headers=headers, timeout=30) as api:
        for n in range(orders):
            statuses[await _one_order(api, skus[n % len(skus)], step)] += 1
            sampler.cpu_since_last()  # between orders: nobody's step
    sampler.cpu_since_last()
    await asyncio.sleep(3)
    idle = {group: used / 3 * PAUSE for group, used in sampler.cpu_since_last().items()}
    return {"steps": per_step, "idle_per_pause": idle, "statuses": statuses}


def print_table(orders: int, figures: dict[str, Any]) -> None:
    steps: dict[str, collections.Counter[str]] = figures["steps"]
    totals: collections.Counter[str] = collections.Counter()
    for used in steps.values():
        totals.update(used)
    columns = [label for label, _ in totals.most_common() if totals[label] > 0]
    ended = dict(figures["statuses"])
    print(f"ms of CPU per order, {orders} orders in sequence; orders ended {ended}")
    idle = figures["idle_per_pause"]
    print("idle shop per pause: " + ", ".join(
        f"{label} {1000 * idle[label]:.1f}" for label in columns if idle.get(label, 0) > 0.0005
    ))  # fmt: skip
    print(f"{'step':34s}" + "".join(f"{c[:9]:>10s}" for c in columns) + f"{'total':>10s}")
    for name, used in [*steps.items(), ("sum", totals)]:
        cells = "".join(f"{1000 * used[c] / orders:10.1f}" for c in columns)
        print(f"{name:34s}{cells}{1000 * sum(used.values()) / orders:10.1f}")


def main(argv: list[str]) -> int:
    orders = int(argv[0]) if argv else 40
    token = customers(1)[0]
    skus = [sku.sku for sku in catalog_skus(50)]
    top_up(admin_token(), skus, orders)  # an earlier bench may have sold some out
    print_table(orders, asyncio.run(measure(orders, token, skus)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
