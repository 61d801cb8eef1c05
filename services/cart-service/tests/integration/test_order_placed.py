"""`order.placed.v1` from the real broker empties the cart the order was placed from, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import msgspec
import pytest
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import Envelope, events_exchange, new_event_id, publish_envelope

from cart_service.config import Settings
from cart_service.events.handlers import ORDER_PLACED

pytestmark = pytest.mark.integration

CARTS = "/api/carts"


def order_placed(cart_id: str, event_id: str) -> Envelope:
    """The envelope as order-service sends it (the pact pins the fields the cart reads)."""
    payload = {
        "order_id": "order-1",
        "customer_id": "user-1",
        "cart_id": cart_id,
        "lines": [{"sku": "SKU-1", "quantity": 2}],
        "currency": "EUR",
        "total": {"amount": 3998, "currency": "EUR"},
        "reservation_ttl_seconds": 900,
    }
    return Envelope(
        id=event_id,
        type=ORDER_PLACED,
        version=1,
        occurred_at=datetime.now(UTC),
        producer="order-service",
        payload=msgspec.Raw(msgspec.json.encode(payload)),
    )


async def wait_for_empty(client: AsyncTestClient[Litestar], cart_id: str) -> dict[str, object]:
    for _ in range(100):
        cart = (await client.get(f"{CARTS}/{cart_id}")).json()
        if not cart["lines"]:
            return cart
        await asyncio.sleep(0.05)
    pytest.fail("the cart was never cleared")


async def test_an_order_placed_from_a_cart_empties_it_once(
    client: AsyncTestClient[Litestar], rabbit_broker: RabbitBroker, settings: Settings
) -> None:
    cart_id = (await client.post(CARTS)).json()["id"]
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 2})
    exchange = events_exchange(settings.broker)

    event_id = new_event_id()
    await publish_envelope(rabbit_broker, exchange, order_placed(cart_id, event_id))
    cart = await wait_for_empty(client, cart_id)
    assert cart["item_count"] == 0

    # The shopper fills the cart again; a redelivery of the same event changes nothing.
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1})
    await publish_envelope(rabbit_broker, exchange, order_placed(cart_id, event_id))
    # A later order for another cart is handled after the redelivery on the same queue.
    other_id = (await client.post(CARTS)).json()["id"]
    await client.post(f"{CARTS}/{other_id}/items", json={"sku": "SKU-1", "quantity": 1})
    await publish_envelope(rabbit_broker, exchange, order_placed(other_id, new_event_id()))
    await wait_for_empty(client, other_id)
    lines = (await client.get(f"{CARTS}/{cart_id}")).json()["lines"]
    assert [(line["sku"], line["quantity"]) for line in lines] == [("SKU-2", 1)]
