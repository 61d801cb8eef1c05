"""The events this service consumes. Each handler runs in one transaction with its inbox row,
so a redelivered event changes nothing; failures are retried with backoff, then dead-lettered.

The payload Struct below is cart-service's own tolerant reader of order-service's event: only
the fields used here (the Pact in contracts/pacts pins them).
"""

from __future__ import annotations

import msgspec
from shopkit.messaging import Envelope, EventConsumer, payload_as
from sqlalchemy.ext.asyncio import AsyncSession

from cart_service.domain.carts import CartService

ORDER_PLACED = "order.placed.v1"


class OrderPlaced(msgspec.Struct):
    """What the cart reads of `order.placed.v1`."""

    order_id: str
    cart_id: str


def read_order_placed(envelope: Envelope) -> OrderPlaced:
    return payload_as(envelope, OrderPlaced)


def register_handlers(consumer: EventConsumer, carts: CartService) -> None:
    @consumer.handler(ORDER_PLACED, name="clear-ordered-cart")
    async def clear_ordered_cart(envelope: Envelope, session: AsyncSession) -> None:
        """The cart an order was placed from is emptied (a second time changes nothing)."""
        del session  # the inbox row is all this handler writes to PostgreSQL
        await carts.clear(read_order_placed(envelope).cart_id)
