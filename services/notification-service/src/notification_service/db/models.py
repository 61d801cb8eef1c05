"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata

__all__ = ["Delivery", "InboxMessage", "OutboxMessage", "Recipient", "metadata"]

QUEUED = "queued"
SENDING = "sending"  # handed to the provider; the outcome is not recorded yet
SENT = "sent"
FAILED = "failed"


class Recipient(UUIDv7AuditBase):
    """Who a user is for messages (learnt from their events) and the channels they chose.

    Later events may carry only the user id (`payment.refunded.v1`), so the address and name
    seen on `user.registered.v1` and on order events are kept here.
    """

    __tablename__ = "recipient"

    user_id: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(16), default=None)


class Delivery(UUIDv7AuditBase):
    """One message to one recipient on one channel, rendered once and kept for retries."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "recipient", name="uq_delivery_event_channel_to"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
        Index("ix_delivery_user_newest", "user_id", "created_at"),
    )

    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
