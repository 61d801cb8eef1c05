"""Issue 11's reconciliation on the real shop: three events are lost on their way (their
consumer queue's binding is taken away while they are published, as a broker that lost them
would leave things), and the reconciliation, asked for by an admin, repairs what each left
behind and reports it:

- `payment.succeeded` lost on its way to order-service: the order still awaits its payment;
  it ends confirmed, its stock taken;
- `order.cancelled` lost on its way to inventory-service: a cancelled order's stock is still
  held; it is released;
- `order.cancelled` lost on its way to payment-service: a cancelled order's money is still
  kept; it is refunded in full.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import aio_pika
import pytest
from conftest import Gateway, eventually

# The shop's checkout helpers and the `sku` fixture (5 units free, restored afterwards).
from test_checkout import _available, _order, _pay, _shopper, _status, sku

pytestmark = pytest.mark.e2e

__all__ = ["sku"]

BROKER = "amqp://guest:guest@127.0.0.1:5672/"
EXCHANGE = "shopkit.events"
PATH = "/api/ops/order-service/reconciliation"
GRACE = 15.0  # order-service's RECONCILIATION_GRACE_SECONDS: younger changes are left alone
IN_FLIGHT = 2.0  # long enough for the outbox relay to publish what was just committed


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """On a loop of its own thread (the browser tests leave this thread's loop running)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result(timeout=60)


async def _bind(queue: str, routing_key: str, *, bound: bool) -> None:
    connection = await aio_pika.connect(BROKER)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        if bound:
            await declared.bind(EXCHANGE, routing_key)
        else:
            await declared.unbind(EXCHANGE, routing_key)


@contextmanager
def _lost(queue: str, routing_key: str) -> Iterator[None]:
    """Events of `routing_key` published meanwhile never reach `queue`."""
    _run(_bind(queue, routing_key, bound=False))
    try:
        yield
        time.sleep(IN_FLIGHT)
    finally:
        _run(_bind(queue, routing_key, bound=True))


def _payment_status(shop: Gateway, token: str, payment_id: str) -> str:
    return str(shop.call("GET", f"/api/payments/{payment_id}", token=token).json()["status"])


def _awaiting(shop: Gateway, token: str, code: str) -> dict[str, Any]:
    order = _order(shop, token, code)
    eventually(lambda: _status(shop, token, order["id"]) == "awaiting_payment", seconds=10)
    return order


def _findings(shop: Gateway, admin_token: str) -> dict[tuple[str, str], dict[str, Any]]:
    reply = shop.call("GET", f"{PATH}?findings=500", token=admin_token)
    assert reply.status == 200, reply.body
    return {(f["order_id"], f["kind"]): f for f in reply.json()["findings"]}


def _run_now(shop: Gateway, admin_token: str) -> Callable[[], bool]:
    def ran() -> bool:
        reply = shop.call("POST", f"{PATH}/runs", token=admin_token)
        assert reply.status in (201, 409), reply.body  # 409: the schedule's run is under way
        return reply.status == 201

    return ran


def test_what_lost_events_left_behind_is_repaired_and_reported(
    shop: Gateway, admin_token: str, sku: str
) -> None:
    token = _shopper(shop)
    paid, held, kept = (_awaiting(shop, token, sku) for _ in range(3))
    _pay(shop, token, kept, "pm_card_visa")
    eventually(lambda: _status(shop, token, kept["id"]) == "confirmed", seconds=10)

    with _lost("order-service.payment-succeeded", "payment.succeeded.v1"):
        _pay(shop, token, paid, "pm_card_visa")
    with (
        _lost("inventory-service.release-reservation", "order.cancelled.v1"),
        _lost("payment-service.close-cancelled-order-payments", "order.cancelled.v1"),
    ):
        for order in (held, kept):
            cancelled = shop.call("POST", f"/api/orders/{order['id']}/cancel", token=token)
            assert cancelled.status == 200, cancelled.body
    lost_at = time.monotonic()

    # What the lost events left behind: a paid order waiting, stock held, money kept.
    assert _status(shop, token, paid["id"]) == "awaiting_payment"
    assert _payment_status(shop, token, paid["payment_id"]) == "succeeded"
    assert _payment_status(shop, token, kept["payment_id"]) == "succeeded"
    assert _available(shop, sku) == 2  # one unit each: paid and held held, kept sold

    customer = shop.call("POST", f"{PATH}/runs", token=token)
    assert customer.status == 403
    assert shop.call("GET", PATH, token=token).status == 403

    time.sleep(max(0.0, GRACE + 1 - (time.monotonic() - lost_at)))
    eventually(_run_now(shop, admin_token), seconds=30, every=1.0)

    eventually(lambda: _status(shop, token, paid["id"]) == "confirmed", seconds=10)
    eventually(lambda: _available(shop, sku) == 4, seconds=10)  # held's unit is back
    eventually(lambda: _status(shop, token, kept["id"]) == "refunded", seconds=10)
    assert _payment_status(shop, token, kept["payment_id"]) == "refunded"

    found = _findings(shop, admin_token)
    applied = found[(paid["id"], "payment_not_applied")]
    assert (applied["action"], applied["repaired"]) == ("payment_applied", True)
    released = found[(held["id"], "reservation_without_live_order")]
    assert (released["action"], released["repaired"]) == ("reservation_released", True)
    refunded = found[(kept["id"], "money_kept_on_cancelled_order")]
    assert (refunded["action"], refunded["repaired"]) == ("refund_requested", True)

    history = shop.call("GET", f"/api/orders/{paid['id']}", token=token).json()["history"]
    assert any(entry["reason"].startswith("reconciled") for entry in history)
