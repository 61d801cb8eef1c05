"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too.

Money is stored as integer minor units: a variant's base price in the base currency (EUR) and
its explicit per-currency prices; exchange rates are exact decimals (`NUMERIC`), never floats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from advanced_alchemy.base import AdvancedDeclarativeBase, UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC, JsonB
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

metadata = orm_registry.metadata

__all__ = [
    "Category",
    "Currency",
    "InboxMessage",
    "OutboxMessage",
    "Product",
    "Variant",
    "metadata",
]

PRODUCT_STATUSES = ("draft", "active", "archived")


class Category(UUIDv7AuditBase):
    """A node of the category tree; `parent_id` is NULL for a root."""

    __tablename__ = "category"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"), index=True, default=None
    )


class Product(UUIDv7AuditBase):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status_known"),
        # The public list: active products of some categories, in creation order.
        Index("ix_product_status_category_created", "status", "category_id", "created_at"),
        Index("ix_product_status_created", "status", "created_at"),
    )

    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    category_id: Mapped[UUID] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"), index=True
    )
    images: Mapped[list[str]] = mapped_column(JsonB, default=list)
    attributes: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Variant.position",
    )


class Variant(UUIDv7AuditBase):
    """A SKU: option values, a base price in the base currency and explicit prices that win
    over conversion (`{"JPY": 1990}`, minor units)."""

    __tablename__ = "product_variant"
    __table_args__ = (CheckConstraint("base_price >= 0", name="base_price_not_negative"),)

    product_id: Mapped[UUID] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    base_price: Mapped[int] = mapped_column(BigInteger)
    explicit_prices: Mapped[dict[str, int]] = mapped_column(JsonB, default=dict)
    product: Mapped[Product] = relationship(back_populates="variants", lazy="raise")


class Currency(AdvancedDeclarativeBase):
    """A supported currency and its rate from the base currency (units per 1 EUR)."""

    __tablename__ = "currency"
    __table_args__ = (CheckConstraint("rate > 0", name="rate_positive"),)

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
