"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too.

An order row is also the checkout saga's state (`status` + `saga_step`, the reservation and the
payment it waits for), so any replica, or the same one after a restart, resumes where it stood.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

metadata = orm_registry.metadata

__all__ = [
    "InboxMessage",
    "Order",
    "OrderLine",
    "OrderStatusChange",
    "OutboxMessage",
    "ReconciliationFinding",
    "ReconciliationRun",
    "metadata",
]


class Order(UUIDv7AuditBase):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key"),
        Index("ix_orders_customer_created", "customer_id", "created_at"),
        Index("ix_orders_status_expires", "status", "expires_at"),
        # The reconciliation's read: orders in a status changed within a window.
        Index("ix_orders_status_updated", "status", "updated_at"),
        # The admin's summary: the orders placed since a moment.
        Index("ix_orders_created", "created_at"),
    )

    customer_id: Mapped[str] = mapped_column(String(255))
    customer_email: Mapped[str | None] = mapped_column(String(320), default=None)
    customer_name: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    # sha256 of the canonical request body: the same key with another body is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    cart_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    saga_step: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    # How many units of `currency` one EUR bought when the order was placed (decimal string).
    exchange_rate: Mapped[str] = mapped_column(String(40))
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    payment_id: Mapped[str | None] = mapped_column(String(255), default=None)
    reservation_id: Mapped[str | None] = mapped_column(String(255), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    # Checkout must be complete (reserved and paid) by then, or the sweeper cancels the order.
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        lazy="selectin",
        order_by="OrderLine.position",
        cascade="all, delete-orphan",
    )
    history: Mapped[list[OrderStatusChange]] = relationship(
        back_populates="order",
        lazy="selectin",
        order_by="(OrderStatusChange.at, OrderStatusChange.id)",
        cascade="all, delete-orphan",
    )


class OrderLine(UUIDv7AuditBase):
    """A line as priced when the order was placed, in the order's currency (minor units)."""

    __tablename__ = "order_line"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    line_total: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderStatusChange(UUIDv7AuditBase):
    """One entry of an order's history: a change of status, or a note (partial refund) where
    `from_status` equals `to_status`."""

    __tablename__ = "order_status_change"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(32), default=None)
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))

    order: Mapped[Order] = relationship(back_populates="history")


class ReconciliationRun(UUIDv7AuditBase):
    """One pass of the reconciliation (domain/reconciliation): what it compared, over which
    window of time, and how many discrepancies it repaired or could not."""

    __tablename__ = "reconciliation_run"

    trigger: Mapped[str] = mapped_column(String(16))  # schedule | admin
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Changes made in (window_start, window_end] were compared.
    window_start: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    payments_checked: Mapped[int] = mapped_column(Integer, default=0)
    reservations_checked: Mapped[int] = mapped_column(Integer, default=0)
    orders_checked: Mapped[int] = mapped_column(Integer, default=0)
    repaired: Mapped[int] = mapped_column(Integer, default=0)
    unresolved: Mapped[int] = mapped_column(Integer, default=0)
    # Why the run stopped early (a service that did not answer); it is tried again next time.
    error: Mapped[str | None] = mapped_column(String(500), default=None)

    findings: Mapped[list[ReconciliationFinding]] = relationship(
        back_populates="run",
        lazy="selectin",
        order_by="(ReconciliationFinding.created_at, ReconciliationFinding.id)",
        cascade="all, delete-orphan",
    )


class ReconciliationFinding(UUIDv7AuditBase):
    """One discrepancy a run found, and what it did about it."""

    __tablename__ = "reconciliation_finding"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reconciliation_run.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(48))
    order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    payment_id: Mapped[str | None] = mapped_column(String(255), default=None)
    reservation_id: Mapped[str | None] = mapped_column(String(255), default=None)
    action: Mapped[str] = mapped_column(String(48))
    repaired: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(String(500))

    run: Mapped[ReconciliationRun] = relationship(back_populates="findings")
