"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too. No column ever holds card data: a payment method is a provider token (`pm_...`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata

__all__ = ["InboxMessage", "OutboxMessage", "Payment", "ProviderEventLog", "Refund", "metadata"]


class Payment(UUIDv7AuditBase):
    """One payment intent for one order, in the order's currency and minor units."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key", name="uq_payment_customer_key"),
        # The reconciliation's read: the payments in a status changed within a window.
        Index("ix_payment_status_updated_at", "status", "updated_at"),
    )

    order_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(16))
    provider_reference: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_method: Mapped[str | None] = mapped_column(String(255))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    decline_code: Mapped[str | None] = mapped_column(String(64))
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    settled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Refund(UUIDv7AuditBase):
    """Money given back on a succeeded payment; the sum never exceeds the captured amount."""

    __tablename__ = "refund"

    payment_id: Mapped[UUID] = mapped_column(ForeignKey("payment.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    provider_reference: Mapped[str | None] = mapped_column(String(255), unique=True)


class ProviderEventLog(UUIDv7AuditBase):
    """Every provider event we acted on (webhook or sandbox), keyed by the provider's event id:
    a second delivery of the same event changes nothing."""

    __tablename__ = "provider_event"

    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[UUID | None] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_provider_event_id"),)
