"""The events this service consumes: what order-service decided about an order's money.

- `order.cancelled.v1`: money always goes back. An open payment of the order is canceled (it
  can never be paid afterwards); a captured one is refunded in full, once.
- `order.payment_rejected.v1`: order-service did not accept a captured payment for its order
  (not the order's own, short, wrong currency, or the order was gone): it is refunded in full.

Each handler runs in one transaction with its inbox row (a redelivery changes nothing) and locks
the payment rows, so it and a customer's confirmation happen one after the other. The payload
Structs are tolerant readers: only the fields used here (the message pact with order-service,
contracts/pacts/payment-service-order-service.json, pins them).
"""

from __future__ import annotations

import uuid

import msgspec
import structlog
from shopkit.messaging import Envelope, EventConsumer, payload_as
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service.domain.payments.providers import PaymentProvider
from payment_service.domain.payments.services import PaymentService

_logger = structlog.get_logger("payment_service.events")


class OrderCancelled(msgspec.Struct):
    """What payment-service reads of `order.cancelled.v1`."""

    order_id: str
    reason: str = ""


class OrderPaymentRejected(msgspec.Struct):
    """What payment-service reads of `order.payment_rejected.v1`."""

    order_id: str
    payment_id: str
    reason: str = ""


READERS: dict[str, type[msgspec.Struct]] = {
    "order.cancelled.v1": OrderCancelled,
    "order.payment_rejected.v1": OrderPaymentRejected,
}


def register_handlers(consumer: EventConsumer, provider: PaymentProvider) -> None:
    @consumer.handler("order.cancelled.v1", name="close-cancelled-order-payments")
    async def order_cancelled(envelope: Envelope, session: AsyncSession) -> None:
        """Cancel the order's open payment; refund its captured one in full."""
        event = payload_as(envelope, OrderCancelled)
        await PaymentService(session, provider).order_cancelled(event.order_id, event.reason)

    @consumer.handler("order.payment_rejected.v1", name="refund-rejected-payment")
    async def payment_rejected(envelope: Envelope, session: AsyncSession) -> None:
        """Refund a payment order-service did not accept for its order."""
        event = payload_as(envelope, OrderPaymentRejected)
        try:
            payment_id = uuid.UUID(event.payment_id)
        except ValueError:
            _logger.warning("a rejected payment with a foreign id", payment_id=event.payment_id)
            return
        await PaymentService(session, provider).payment_rejected(
            payment_id, event.order_id, event.reason
        )
