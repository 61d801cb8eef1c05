"""The order saga's events through the real broker: `order.placed` reserves every line or none
and answers; `order.confirmed` sells, `order.cancelled` gives back, `order.refunded` with
`restock` puts sold units back on hand once, however often it is delivered."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from conftest import SQL, new_sku
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import BrokerSettings
from shopkit.messaging import (
    Envelope,
    Event,
    envelope_for,
    events_exchange,
    payload_as,
    publish_envelope,
)
from shopkit.testing import CollectorFactory, EventCollector

pytestmark = pytest.mark.integration

PREFIX = "/api/inventory"
Client = AsyncTestClient[Litestar]
PRODUCER = "order-service"


# What order-service sends (the fields inventory reads, and some it does not).


class OrderPlaced(Event, frozen=True):
    event_type = "order.placed.v1"

    order_id: str
    customer_id: str
    cart_id: str
    lines: list[dict[str, Any]]
    currency: str
    total: dict[str, Any]
    reservation_ttl_seconds: int


class OrderConfirmed(Event, frozen=True):
    event_type = "order.confirmed.v1"

    order_id: str
    customer_id: str
    status: str
    reservation_id: str | None = None


class OrderCancelled(OrderConfirmed, frozen=True):
    event_type = "order.cancelled.v1"

    reason: str = "payment_failed"


class OrderRefunded(Event, frozen=True):
    event_type = "order.refunded.v1"

    order_id: str
    reservation_id: str | None
    refund: dict[str, Any]
    restock: bool
    lines: list[dict[str, Any]]


def placed(order_id: str, **quantities: int) -> Envelope:
    lines = [{"sku": sku, "quantity": quantity} for sku, quantity in quantities.items()]
    event = OrderPlaced(
        order_id=order_id,
        customer_id="customer-1",
        cart_id="cart-1",
        lines=lines,
        currency="USD",
        total={"amount": 4200, "currency": "USD"},
        reservation_ttl_seconds=600,
    )
    return envelope_for(event, PRODUCER)


def confirmed(order_id: str) -> Envelope:
    return envelope_for(
        OrderConfirmed(order_id=order_id, customer_id="customer-1", status="confirmed"), PRODUCER
    )


def cancelled(order_id: str) -> Envelope:
    return envelope_for(
        OrderCancelled(order_id=order_id, customer_id="customer-1", status="cancelled"), PRODUCER
    )


def refunded(order_id: str, restock: bool = True, **quantities: int) -> Envelope:
    lines = [{"sku": sku, "quantity": quantity} for sku, quantity in quantities.items()]
    event = OrderRefunded(
        order_id=order_id,
        reservation_id=None,
        refund={"amount": 4200, "currency": "USD"},
        restock=restock,
        lines=lines,
    )
    return envelope_for(event, PRODUCER)


@pytest.fixture
def publish(rabbit_broker: RabbitBroker, broker_settings: BrokerSettings) -> Any:
    async def send(envelope: Envelope) -> None:
        await publish_envelope(rabbit_broker, events_exchange(broker_settings), envelope)

    return send


def new_order() -> str:
    return str(uuid.uuid4())


async def stocked(client: Client, admin: dict[str, str], **quantities: int) -> list[str]:
    skus = []
    for hint, quantity in quantities.items():
        sku = new_sku(hint)
        response = await client.put(f"{PREFIX}/{sku}", json={"on_hand": quantity}, headers=admin)
        assert response.status_code == 200, response.text
        skus.append(sku)
    return skus


async def levels(client: Client, *skus: str) -> list[tuple[int, int, int]]:
    """(on hand, reserved, available) of each SKU, through the public multi-SKU read."""
    response = await client.get(PREFIX, params={"skus": ",".join(skus)})
    assert response.status_code == 200, response.text
    return [(i["on_hand"], i["reserved"], i["available"]) for i in response.json()["items"]]


async def eventually(client: Client, skus: tuple[str, ...], expected: list[Any]) -> None:
    for _ in range(100):
        if await levels(client, *skus) == expected:
            return
        await asyncio.sleep(0.05)
    assert await levels(client, *skus) == expected


async def answer_for(collector: EventCollector, order_id: str) -> dict[str, Any]:
    for _ in range(200):
        payload = payload_as((await collector.next(timeout=5)).envelope, dict)
        if payload.get("order_id") == order_id:
            return payload
    pytest.fail(f"no answer for {order_id}")


async def test_a_placed_order_is_reserved_whole_and_answered(
    client: Client, admin_headers: dict[str, str], publish: Any, event_collector: CollectorFactory
) -> None:
    answers = await event_collector("inventory.reserved.v1")
    shirt, mug = await stocked(client, admin_headers, shirt=5, mug=2)
    order_id = new_order()

    await publish(placed(order_id, **{shirt: 3, mug: 2}))

    reserved = await answer_for(answers, order_id)
    assert reserved["lines"] == [{"sku": shirt, "quantity": 3}, {"sku": mug, "quantity": 2}]
    assert reserved["reservation_id"]
    assert await levels(client, shirt, mug) == [(5, 3, 2), (2, 2, 0)]


async def test_a_short_line_reserves_nothing_and_the_failure_is_answered(
    client: Client,
    admin_headers: dict[str, str],
    publish: Any,
    event_collector: CollectorFactory,
    sql: SQL,
) -> None:
    answers = await event_collector("inventory.reservation_failed.v1")
    shirt, mug = await stocked(client, admin_headers, shirt=5, mug=1)
    order_id = new_order()

    await publish(placed(order_id, **{shirt: 3, mug: 2}))

    failed = await answer_for(answers, order_id)
    assert failed["reason"] == "insufficient_stock"
    assert failed["lines"] == [{"sku": mug, "requested": 2, "available": 1}]
    assert await levels(client, shirt, mug) == [(5, 0, 5), (1, 0, 1)]
    assert await sql("SELECT 1 FROM reservation WHERE order_id = :o", o=order_id) == []


async def test_an_order_with_a_sku_twice_or_no_units_is_answered_as_invalid(
    client: Client, admin_headers: dict[str, str], publish: Any, event_collector: CollectorFactory
) -> None:
    answers = await event_collector("inventory.reservation_failed.v1")
    (shirt,) = await stocked(client, admin_headers, shirt=5)
    order_id = new_order()
    event = OrderPlaced(
        order_id=order_id,
        customer_id="c",
        cart_id="c",
        lines=[{"sku": shirt, "quantity": 1}, {"sku": shirt, "quantity": 0}],
        currency="USD",
        total={"amount": 1, "currency": "USD"},
        reservation_ttl_seconds=600,
    )

    await publish(envelope_for(event, PRODUCER))

    assert (await answer_for(answers, order_id))["reason"] == "invalid_order"
    assert await levels(client, shirt) == [(5, 0, 5)]


async def test_a_confirmed_order_sells_its_units_once(
    client: Client, admin_headers: dict[str, str], publish: Any, event_collector: CollectorFactory
) -> None:
    answers = await event_collector("inventory.reserved.v1")
    (shirt,) = await stocked(client, admin_headers, shirt=5)
    order_id = new_order()
    await publish(placed(order_id, **{shirt: 2}))
    await answer_for(answers, order_id)

    await publish(confirmed(order_id))
    await eventually(client, (shirt,), [(3, 0, 3)])

    await publish(confirmed(order_id))  # the same news again, as a new event
    await publish(cancelled(order_id))  # too late: the units are sold
    await asyncio.sleep(0.5)
    assert await levels(client, shirt) == [(3, 0, 3)]


async def test_a_cancelled_order_gives_its_units_back(
    client: Client, admin_headers: dict[str, str], publish: Any, event_collector: CollectorFactory
) -> None:
    reserved = await event_collector("inventory.reserved.v1")
    released = await event_collector("inventory.released.v1")
    (shirt,) = await stocked(client, admin_headers, shirt=5)
    order_id = new_order()
    await publish(placed(order_id, **{shirt: 4}))
    reservation_id = (await answer_for(reserved, order_id))["reservation_id"]

    await publish(cancelled(order_id))

    assert await answer_for(released, order_id) == {
        "reservation_id": reservation_id,
        "order_id": order_id,
        "reason": "released",
    }
    assert await levels(client, shirt) == [(5, 0, 5)]


async def test_an_order_cancelled_before_it_was_reserved_holds_nothing(
    client: Client, admin_headers: dict[str, str], publish: Any, sql: SQL
) -> None:
    (shirt,) = await stocked(client, admin_headers, shirt=5)
    order_id = new_order()
    await publish(cancelled(order_id))
    for _ in range(100):
        if await sql("SELECT status FROM reservation WHERE order_id = :o", o=order_id):
            break
        await asyncio.sleep(0.05)

    await publish(placed(order_id, **{shirt: 4}))  # overtaken by the cancellation
    await asyncio.sleep(0.5)

    assert await levels(client, shirt) == [(5, 0, 5)]


async def test_a_refund_with_restock_puts_sold_units_back_once(
    client: Client,
    admin_headers: dict[str, str],
    publish: Any,
    event_collector: CollectorFactory,
    sql: SQL,
) -> None:
    answers = await event_collector("inventory.reserved.v1")
    shirt, mug = await stocked(client, admin_headers, shirt=5, mug=3)
    order_id = new_order()
    await publish(placed(order_id, **{shirt: 2, mug: 1}))
    reservation_id = (await answer_for(answers, order_id))["reservation_id"]
    await publish(confirmed(order_id))
    await eventually(client, (shirt, mug), [(3, 0, 3), (2, 0, 2)])

    refund = refunded(order_id, **{shirt: 2, mug: 1})
    await publish(refund)
    await publish(refund)  # redelivered
    await publish(refunded(order_id, **{shirt: 2, mug: 1}))  # sent again as a new event
    await eventually(client, (shirt, mug), [(5, 0, 5), (3, 0, 3)])
    await asyncio.sleep(0.5)

    assert await levels(client, shirt, mug) == [(5, 0, 5), (3, 0, 3)]
    ledger = await sql(
        "SELECT sku, delta_on_hand FROM stock_movement"
        " WHERE reason = 'refund_restock' AND reference = :r ORDER BY sku",
        r=reservation_id,
    )
    assert sorted(ledger) == sorted([(shirt, 2), (mug, 1)])


async def test_a_refund_without_restock_leaves_stock_alone(
    client: Client, admin_headers: dict[str, str], publish: Any, event_collector: CollectorFactory
) -> None:
    answers = await event_collector("inventory.reserved.v1")
    (shirt,) = await stocked(client, admin_headers, shirt=5)
    order_id = new_order()
    await publish(placed(order_id, **{shirt: 2}))
    await answer_for(answers, order_id)
    await publish(confirmed(order_id))
    await eventually(client, (shirt,), [(3, 0, 3)])

    await publish(refunded(order_id, restock=False, **{shirt: 2}))
    await publish(refunded(order_id, **{shirt: 1}))  # a later partial one that restocks
    await eventually(client, (shirt,), [(4, 0, 4)])
    await asyncio.sleep(0.3)
    assert await levels(client, shirt) == [(4, 0, 4)]


# --- the multi-SKU read -----------------------------------------------------------------------


async def test_several_skus_are_read_at_once_in_the_order_asked(
    client: Client, admin_headers: dict[str, str]
) -> None:
    shirt, mug = await stocked(client, admin_headers, shirt=5, mug=0)
    response = await client.get(PREFIX, params={"skus": f"{mug},NOT-KEPT-{shirt},{shirt},{mug}"})
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"sku": mug, "on_hand": 0, "reserved": 0, "available": 0},
            {"sku": shirt, "on_hand": 5, "reserved": 0, "available": 5},
        ]
    }


@pytest.mark.parametrize(
    "params",
    [{}, {"skus": " , "}, {"skus": "BAD SKU"}, {"skus": ",".join(f"S-{i}" for i in range(101))}],
)
async def test_a_bad_sku_list_is_422_naming_skus(client: Client, params: dict[str, str]) -> None:
    response = await client.get(PREFIX, params=params)
    assert response.status_code == 422, response.text
    assert [p["name"] for p in response.json()["invalid_params"]] == ["skus"]


async def test_100_skus_may_be_asked(client: Client, admin_headers: dict[str, str]) -> None:
    (shirt,) = await stocked(client, admin_headers, shirt=1)
    skus = [shirt, *(f"NOT-KEPT-{i}" for i in range(99))]
    response = await client.get(PREFIX, params={"skus": ",".join(skus)})
    assert [i["sku"] for i in response.json()["items"]] == [shirt]
