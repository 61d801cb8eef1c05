"""The PostgreSQL search index (the default backend). The SDK's outbox and inbox tables share
the same metadata, so Alembic sees them too.

- `search_product`: one row per ACTIVE product, with a weighted `tsvector` (name A, brand and
  category B, description C) under a GIN index, and `search_text` (name + brand) under a
  trigram GIN index for typo tolerance and suggestions.
- `search_variant`: each SKU's resolved prices per currency, so a `price.changed` for one SKU
  can recompute the product's minimum price in every currency.
- `search_removed`: when a product left the index (archived, back to draft, deleted), so a
  snapshot that arrives late from another queue cannot bring it back.
- `search_stock`: availability per SKU, kept apart from products because stock events arrive
  independently of (and sometimes before) the product they belong to, and because the product
  API cannot rebuild it after a reindex.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.base import AdvancedDeclarativeBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import BigInteger, Boolean, Computed, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata

__all__ = [
    "InboxMessage",
    "OutboxMessage",
    "SearchProduct",
    "SearchRemoved",
    "SearchStock",
    "SearchVariant",
    "metadata",
]

SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(brand, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(category_name, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')"
)
SEARCH_TEXT = "lower(name || ' ' || coalesce(brand, ''))"


class Base(AdvancedDeclarativeBase):
    __abstract__ = True


class SearchProduct(Base):
    __tablename__ = "search_product"

    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str] = mapped_column(String(255), default="")
    category_slug: Mapped[str] = mapped_column(String(255))
    category_name: Mapped[str] = mapped_column(String(255), default="")
    # The product's category and every ancestor, root first: filtering by a parent finds it.
    category_path: Mapped[list[str]] = mapped_column(ARRAY(String(255)))
    image: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # The lowest variant price per currency in minor units: {"EUR": 1999, "JPY": 3300}.
    min_prices: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR, persisted=True), deferred=True
    )
    search_text: Mapped[str] = mapped_column(Text, Computed(SEARCH_TEXT, persisted=True))

    __table_args__ = (
        Index("ix_search_product_search_vector", "search_vector", postgresql_using="gin"),
        Index(
            "ix_search_product_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_search_product_category_path", "category_path", postgresql_using="gin"),
        Index("ix_search_product_brand", "brand"),
        Index("ix_search_product_created_at", "created_at"),
    )


class SearchVariant(Base):
    __tablename__ = "search_variant"

    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), index=True)
    # Resolved prices in every supported currency, minor units: {"EUR": 1999, ...}.
    prices: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class SearchStock(Base):
    __tablename__ = "search_stock"

    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    available: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class SearchRemoved(Base):
    __tablename__ = "search_removed"

    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Snapshots older than this are ignored; a deletion is final (the far future).
    removed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
