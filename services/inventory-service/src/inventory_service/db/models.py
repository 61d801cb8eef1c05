"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too.

Quantities live in `stock` (one row per SKU and warehouse); the database itself refuses a row
that would go negative or reserve more than is on hand, so a bug elsewhere cannot oversell.
Every change of a quantity is also a row in `stock_movement`, so the ledger sums to the stock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase, UUIDv7Base, orm_registry
from advanced_alchemy.types import DateTimeUTC, JsonB
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata

ACTIVE = "active"

__all__ = [
    "ACTIVE",
    "InboxMessage",
    "OutboxMessage",
    "Reservation",
    "Stock",
    "StockItem",
    "StockMovement",
    "metadata",
]


class StockItem(UUIDv7AuditBase):
    """A SKU this service knows, with what applies to it across warehouses."""

    __tablename__ = "stock_item"

    sku: Mapped[str] = mapped_column(String(64), unique=True)
    product_id: Mapped[str | None] = mapped_column(String(64), default=None)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer, default=None)
    # True while availability is below the threshold: the alert goes out once per crossing.
    low_stock: Mapped[bool] = mapped_column(default=False)
    discontinued_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # The product's status as its last product event said (draft, active, archived), and that
    # snapshot's `updated_at`, so an older snapshot delivered late cannot undo a newer one.
    # NULL while no product event named the SKU (stocked by hand, or before this was kept).
    product_status: Mapped[str | None] = mapped_column(String(16), default=None)
    product_status_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )

    @hybrid_property
    def on_sale(self) -> bool:
        """Whether anyone may read its stock: not discontinued, and no product event said the
        product is anything but active. Usable in queries too (`on_sale.expression`)."""
        return self.discontinued_at is None and self.product_status in (None, ACTIVE)

    @on_sale.inplace.expression
    @classmethod
    def _on_sale_expression(cls) -> ColumnElement[bool]:
        return and_(
            cls.discontinued_at.is_(None),
            or_(cls.product_status.is_(None), cls.product_status == ACTIVE),
        )


class Stock(UUIDv7AuditBase):
    """Quantities of one SKU in one warehouse."""

    __tablename__ = "stock"
    __table_args__ = (
        UniqueConstraint("sku", "warehouse"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    sku: Mapped[str] = mapped_column(String(64))
    warehouse: Mapped[str] = mapped_column(String(64))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


class StockMovement(UUIDv7Base):
    """One entry of the ledger: how a warehouse's quantities of a SKU changed, and why."""

    __tablename__ = "stock_movement"
    __table_args__ = (Index("ix_stock_movement_sku_at", "sku", "at"),)

    sku: Mapped[str] = mapped_column(String(64))
    warehouse: Mapped[str] = mapped_column(String(64))
    delta_on_hand: Mapped[int] = mapped_column(Integer)
    delta_reserved: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(128), default=None)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Reservation(UUIDv7AuditBase):
    """Stock held for one order until it is committed (sold), released or expires."""

    __tablename__ = "reservation"
    __table_args__ = (
        Index(
            "ix_reservation_active_expiry",
            "expires_at",
            postgresql_where=text("status = 'active'"),
        ),
    )

    order_id: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # What the order asked for: [{"sku", "quantity"}].
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JsonB)
    # Where it was taken from: [{"sku", "warehouse", "quantity"}].
    allocations: Mapped[list[dict[str, Any]]] = mapped_column(JsonB)
    closed_reason: Mapped[str | None] = mapped_column(String(32), default=None)
