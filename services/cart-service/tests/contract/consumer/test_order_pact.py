"""cart-service's message pact with order-service
(`contracts/pacts/cart-service-order-service.json`): `order.placed.v1`, of which the cart
reads `order_id` and `cart_id`. The message goes through our real reader and the real
clearing of a cart in Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
from pact import Pact, match
from shopkit.messaging import decode_envelope
from shopkit.testing import message_pact

from cart_service.config import Settings
from cart_service.domain.carts import CartStore
from cart_service.events.handlers import ORDER_PLACED, read_order_placed

pytestmark = pytest.mark.contract

PRODUCER = "order-service"
CART_ID = "Xq3v9k2LrT0bWm8ZpN4sYc7aHd1eFg6J"


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    order_placed = {
        "order_id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f02"),
        "cart_id": match.str(CART_ID),
    }
    with message_pact(
        "cart-service", PRODUCER, [("an order.placed event", ORDER_PLACED, order_placed)]
    ) as pact:
        yield pact


async def _clear_as_the_handler_does(settings: Settings, cart_id: str) -> dict[bytes, bytes]:
    client = aioredis.Redis.from_url(settings.redis.url)
    store = CartStore(
        client,
        prefix=f"{settings.cart.key_prefix}-pact-{uuid.uuid4().hex[:6]}",
        guest_ttl_seconds=60,
    )
    try:
        await client.hset(store.meta_key(cart_id), mapping={"currency": "EUR", "customer_id": ""})
        await client.hset(store.lines_key(cart_id), mapping={"SKU-1": 2})
        await store.clear(cart_id)
        left = await client.hgetall(store.lines_key(cart_id))
        await client.delete(store.meta_key(cart_id))
        return left
    finally:
        await client.aclose()


def test_an_order_placed_event_names_the_cart_to_clear(pact: Pact, settings: Settings) -> None:
    seen: list[str] = []

    def handle(body: str | bytes | None, _metadata: dict[str, object]) -> None:
        assert body is not None
        envelope = decode_envelope(body.encode() if isinstance(body, str) else body)
        assert envelope.type == ORDER_PLACED
        placed = read_order_placed(envelope)
        assert placed.order_id
        assert asyncio.run(_clear_as_the_handler_does(settings, placed.cart_id)) == {}
        seen.append(placed.cart_id)

    pact.verify(handle, "Async")
    assert seen == [CART_ID]
