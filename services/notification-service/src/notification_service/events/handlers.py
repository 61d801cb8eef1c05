"""The events this service consumes. Each handler runs in one transaction with its inbox row,
so a redelivered event queues nothing new; failures are retried with backoff, then
dead-lettered. Handlers only render and queue messages; the dispatcher sends them.

The payload readers are this service's own (`events/payloads.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from shopkit.messaging import Envelope, EventConsumer, payload_as
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.domain.notifications.services import NotificationService
from notification_service.events.payloads import (
    LowStock,
    OrderCancelled,
    OrderShipped,
    OrderSummary,
    PasswordResetRequested,
    PaymentRefunded,
    UserRegistered,
)

NotificationFactory = Callable[[AsyncSession], NotificationService]


def register_handlers(consumer: EventConsumer, notifications: NotificationFactory) -> None:
    @consumer.handler("user.registered.v1", name="welcome")
    async def welcome(envelope: Envelope, session: AsyncSession) -> None:
        """A welcome email; the address and name are kept for later events."""
        await notifications(session).user_registered(
            envelope.id, payload_as(envelope, UserRegistered)
        )

    @consumer.handler("user.password_reset_requested.v1", name="password-reset")
    async def password_reset(envelope: Envelope, session: AsyncSession) -> None:
        """The reset link, always by email."""
        await notifications(session).password_reset_requested(
            envelope.id, payload_as(envelope, PasswordResetRequested)
        )

    @consumer.handler("order.confirmed.v1", name="order-confirmed")
    async def order_confirmed(envelope: Envelope, session: AsyncSession) -> None:
        await notifications(session).order_event(
            envelope.id, "order.confirmed", payload_as(envelope, OrderSummary)
        )

    @consumer.handler("order.cancelled.v1", name="order-cancelled")
    async def order_cancelled(envelope: Envelope, session: AsyncSession) -> None:
        await notifications(session).order_event(
            envelope.id, "order.cancelled", payload_as(envelope, OrderCancelled)
        )

    @consumer.handler("order.shipped.v1", name="order-shipped")
    async def order_shipped(envelope: Envelope, session: AsyncSession) -> None:
        await notifications(session).order_event(
            envelope.id, "order.shipped", payload_as(envelope, OrderShipped)
        )

    @consumer.handler("payment.refunded.v1", name="payment-refunded")
    async def payment_refunded(envelope: Envelope, session: AsyncSession) -> None:
        """The customer is looked up by id; an unknown one is retried, then dead-lettered."""
        await notifications(session).payment_refunded(
            envelope.id, payload_as(envelope, PaymentRefunded)
        )

    @consumer.handler("inventory.low_stock.v1", name="low-stock-alert")
    async def low_stock_alert(envelope: Envelope, session: AsyncSession) -> None:
        """An alert to every address in `NOTIFY_ADMIN_EMAILS`."""
        await notifications(session).low_stock(envelope.id, payload_as(envelope, LowStock))
