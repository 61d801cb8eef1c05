"""The events this service consumes: the answers of inventory and payment that move the checkout
saga on. Each handler runs in one transaction with its inbox row, so a redelivered event changes
nothing; the order's own state makes a late or out-of-order event harmless too.

The payload Structs are this service's tolerant readers: only the fields used here (the message
pacts in contracts/pacts pin them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import msgspec
from shopkit.messaging import Envelope, EventConsumer, payload_as
from shopkit.money import Money
from sqlalchemy.ext.asyncio import AsyncSession

from order_service.db import models
from order_service.domain.orders import Admission, OrderService


class StockReserved(msgspec.Struct):
    """What order-service reads of `inventory.reserved.v1`."""

    reservation_id: str
    order_id: uuid.UUID


class StockReservationFailed(msgspec.Struct):
    """What order-service reads of `inventory.reservation_failed.v1`."""

    order_id: uuid.UUID
    reason: str


class PaymentSucceeded(msgspec.Struct):
    """What order-service reads of `payment.succeeded.v1`."""

    payment_id: str
    order_id: uuid.UUID
    amount: Money


class PaymentFailed(msgspec.Struct):
    """What order-service reads of `payment.failed.v1`."""

    payment_id: str
    order_id: uuid.UUID
    reason: str


class PaymentRefunded(msgspec.Struct):
    """What order-service reads of `payment.refunded.v1`."""

    payment_id: str
    order_id: uuid.UUID
    amount: Money
    refunded_total: Money


READERS: dict[str, type[msgspec.Struct]] = {
    "inventory.reserved.v1": StockReserved,
    "inventory.reservation_failed.v1": StockReservationFailed,
    "payment.succeeded.v1": PaymentSucceeded,
    "payment.failed.v1": PaymentFailed,
    "payment.refunded.v1": PaymentRefunded,
}

OrdersFactory = Callable[[AsyncSession], OrderService]


def register_handlers(consumer: EventConsumer, orders: OrdersFactory, admission: Admission) -> None:
    async def end_claims(order: models.Order | None) -> None:
        """inventory-service has answered the order's reservation: its units are no longer
        claimed by a checkout in flight (see domain/orders/_admission.py)."""
        if order is not None:
            lines = [(line.sku, line.quantity) for line in order.lines]
            await admission.settle(str(order.id), lines)

    @consumer.handler("inventory.reserved.v1", name="stock-reserved")
    async def stock_reserved(envelope: Envelope, session: AsyncSession) -> None:
        """Stock is held: wait for the payment, or confirm if it already came."""
        event = payload_as(envelope, StockReserved)
        await end_claims(await orders(session).stock_reserved(event.order_id, event.reservation_id))

    @consumer.handler("inventory.reservation_failed.v1", name="stock-unavailable")
    async def stock_unavailable(envelope: Envelope, session: AsyncSession) -> None:
        """Not enough stock: the order is cancelled (out_of_stock)."""
        event = payload_as(envelope, StockReservationFailed)
        await end_claims(await orders(session).stock_unavailable(event.order_id))

    @consumer.handler("payment.succeeded.v1", name="payment-succeeded")
    async def payment_succeeded(envelope: Envelope, session: AsyncSession) -> None:
        """Paid with the order's own full payment: confirm if the stock is held, else remember
        it until it is. Any other payment is rejected (and so refunded)."""
        event = payload_as(envelope, PaymentSucceeded)
        await orders(session).payment_succeeded(event.order_id, event.payment_id, event.amount)

    @consumer.handler("payment.failed.v1", name="payment-failed")
    async def payment_failed(envelope: Envelope, session: AsyncSession) -> None:
        """Declined: the order is cancelled and inventory releases the stock."""
        event = payload_as(envelope, PaymentFailed)
        await orders(session).payment_failed(event.order_id)

    @consumer.handler("payment.refunded.v1", name="payment-refunded")
    async def payment_refunded(envelope: Envelope, session: AsyncSession) -> None:
        """A full refund of the order's payment makes the order refunded (a cancelled one too);
        a partial one, or one of a rejected payment, is noted in its history."""
        event = payload_as(envelope, PaymentRefunded)
        await orders(session).payment_refunded(
            event.order_id, event.payment_id, event.amount, event.refunded_total
        )
