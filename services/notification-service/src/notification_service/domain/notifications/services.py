"""What each event tells whom, and how a queued message is sent and retried.

An event handler only renders and queues (in the same transaction as its inbox row); the
dispatcher sends. So a redelivered event queues nothing new (the inbox, and the unique
(event, channel, recipient) key), and a slow or broken mail server never holds up a consumer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.config import Settings
from notification_service.db import models
from notification_service.domain.notifications._channels import Channels, Outgoing
from notification_service.domain.notifications._render import EMAIL, Templates
from notification_service.domain.notifications._repository import DeliveryRepository
from notification_service.domain.preferences._rules import ChannelChoice, channels_for
from notification_service.domain.preferences.services import RecipientRepository, choice_of
from notification_service.events.payloads import (
    LowStock,
    OrderCancelled,
    OrderShipped,
    OrderSummary,
    PasswordResetRequested,
    PaymentRefunded,
    UserRegistered,
)

_logger = structlog.get_logger("notification_service.notifications")

SEND_LEASE = timedelta(seconds=60)
"""How long a message handed to its provider may wait for its outcome to be recorded; past
that, the process is taken for dead and the message is sent again (same Message-ID)."""


class Claimed(msgspec.Struct, frozen=True, kw_only=True):
    """A message claimed for sending: what goes out, and which attempt it is."""

    id: UUID
    channel: str
    attempts: int
    message: Outgoing


CANCEL_REASONS = {
    "payment_failed": "the payment did not go through",
    "payment_declined": "the payment did not go through",
    "payment_timeout": "the payment was not completed in time",
    "reservation_failed": "some items are no longer in stock",
    "reservation_expired": "the items were not paid for in time",
    "out_of_stock": "some items are no longer in stock",
    "customer_cancelled": "you cancelled it",
    "cancelled_by_customer": "you cancelled it",
    "admin_cancelled": "our team cancelled it",
}


def reason_text(reason: str) -> str:
    return CANCEL_REASONS.get(reason, reason.replace("_", " ") or "no reason given")


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """After the n-th failed attempt wait base x 2^(n-1)."""
    return timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0))


class NotificationService:
    def __init__(self, session: AsyncSession, *, templates: Templates, settings: Settings):
        self.deliveries = DeliveryRepository(session=session)
        self.recipients = RecipientRepository(session=session)
        self._templates = templates
        self._settings = settings

    # --- events -> queued messages ------------------------------------------------------

    async def user_registered(self, event_id: str, event: UserRegistered) -> int:
        recipient = await self.recipients.remember(event.user_id, event.email, event.name)
        context = {"name": event.name, "email": event.email}
        return await self._to_user(event_id, "user.registered", recipient, context)

    async def password_reset_requested(self, event_id: str, event: PasswordResetRequested) -> int:
        recipient = await self.recipients.remember(event.user_id, event.email, event.name)
        base = self._settings.storefront.url.rstrip("/")
        context = {
            "name": event.name,
            "reset_url": f"{base}/reset-password?token={event.reset_token}",
            "expires_at": event.expires_at.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC"),
        }
        return await self._to_user(event_id, "user.password_reset_requested", recipient, context)

    async def order_event(self, event_id: str, template: str, order: OrderSummary) -> int:
        recipient = await self.recipients.remember(
            order.customer_id, order.customer_email, order.customer_name
        )
        context: dict[str, Any] = {"name": order.customer_name, "order": order}
        if isinstance(order, OrderCancelled):
            context["reason_text"] = reason_text(order.reason)
        if isinstance(order, OrderShipped):
            context["shipped_at"] = order.shipped_at
        return await self._to_user(event_id, template, recipient, context)

    async def payment_refunded(self, event_id: str, event: PaymentRefunded) -> int:
        recipient = await self.recipients.for_user(event.customer_id)
        context = {"name": recipient.name or "there", "refund": event}
        return await self._to_user(event_id, "payment.refunded", recipient, context)

    async def low_stock(self, event_id: str, event: LowStock) -> int:
        queued = 0
        for admin in self._settings.notify.admins:
            queued += await self._queue(
                event_id, "inventory.low_stock", EMAIL, admin, None, {"stock": event}
            )
        return queued

    async def _to_user(
        self, event_id: str, template: str, recipient: models.Recipient, context: dict[str, Any]
    ) -> int:
        choice: ChannelChoice = choice_of(recipient)
        queued = 0
        for channel, address in channels_for(template, choice, self._templates.channels(template)):
            to = address or recipient.email
            if not to:
                continue
            queued += await self._queue(event_id, template, channel, to, recipient.user_id, context)
        return queued

    async def _queue(
        self,
        event_id: str,
        template: str,
        channel: str,
        to: str,
        user_id: str | None,
        context: dict[str, Any],
    ) -> int:
        rendered = self._templates.render(
            template, channel, {**context, "storefront_url": self._storefront}
        )
        added = await self.deliveries.add_once(
            event_id=event_id,
            event_type=f"{template}.v1",
            user_id=user_id,
            channel=channel,
            recipient=to,
            template=template,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            status=models.QUEUED,
            attempts=0,
            next_attempt_at=datetime.now(UTC),
        )
        return int(added)

    @property
    def _storefront(self) -> str:
        return self._settings.storefront.url.rstrip("/")

    # --- sending ------------------------------------------------------------------------

    async def claim_next_due(self, channels: Channels) -> Claimed | None:
        """The next due message, marked `sending` for `SEND_LEASE` (None when none is due).

        Committed before the message goes out, so that its outcome is recorded on its own
        afterwards (`record_outcome`): a message sent in the transaction that claimed it went
        out again when that transaction was lost (PostgreSQL restarting mid-send).
        """
        now = datetime.now(UTC)
        delivery = await self.deliveries.claim_due(now)
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.provider = channels.sender(delivery.channel).provider
        delivery.status = models.SENDING
        delivery.next_attempt_at = now + SEND_LEASE
        # Claimed (locked) in this session: flushed as it is. The repository's `update` would
        # read the row again, copy it onto itself and read it back a second time.
        await self.deliveries.flush()
        return Claimed(
            id=delivery.id,
            channel=delivery.channel,
            attempts=delivery.attempts,
            message=Outgoing(
                to=delivery.recipient,
                subject=delivery.subject,
                text=delivery.body_text,
                html=delivery.body_html,
                message_id=str(delivery.id),
            ),
        )

    async def record_outcome(self, claimed: Claimed, error: str | None) -> None:
        """`sent`, or `failed` with the next try's time; nothing if the message's lease ended
        and another dispatcher has taken it since."""
        delivery = await self.deliveries.locked(claimed.id)
        if delivery is None or (delivery.status, delivery.attempts) != (
            models.SENDING,
            claimed.attempts,
        ):
            return
        now = datetime.now(UTC)
        if error is None:
            delivery.status = models.SENT
            delivery.sent_at = now
            delivery.last_error = None
            delivery.next_attempt_at = None
        else:
            notify = self._settings.notify
            delivery.status = models.FAILED
            delivery.last_error = error
            retry = delivery.attempts < notify.max_attempts
            delivery.next_attempt_at = (
                now + retry_delay(delivery.attempts, notify.retry_base_seconds) if retry else None
            )
            _logger.warning(
                "message not sent" + ("; will retry" if retry else "; giving up"),
                delivery_id=str(delivery.id),
                channel=delivery.channel,
                attempts=delivery.attempts,
                error=error,
            )
        await self.deliveries.flush()

    # --- reading ------------------------------------------------------------------------

    async def page_for_user(
        self, user_id: str, limit: int, offset: int
    ) -> tuple[Sequence[models.Delivery], int]:
        return await self.deliveries.page_for_user(user_id, limit, offset)
