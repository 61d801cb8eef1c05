"""The events this service publishes (owned here; consumers keep their own tolerant copies).

Payloads follow contracts/events/README.md. `prices` is always the variant's price in every
supported currency, already resolved (explicit price, else converted half-even), so consumers
never convert.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from shopkit.messaging import Event
from shopkit.money import Money


class CategorySnapshot(msgspec.Struct, frozen=True):
    id: str
    slug: str
    name: str


class VariantSnapshot(msgspec.Struct, frozen=True):
    sku: str
    options: dict[str, str]
    base_price: Money
    prices: dict[str, int]


class _ProductSnapshot(Event, frozen=True, kw_only=True):
    product_id: str
    slug: str
    name: str
    description: str
    brand: str
    status: str
    category: CategorySnapshot
    category_path: list[str]
    images: list[str]
    attributes: dict[str, str]
    variants: list[VariantSnapshot]
    base_currency: str
    updated_at: datetime


class ProductCreated(_ProductSnapshot, frozen=True, kw_only=True):
    """A product exists (in any status): inventory creates stock records for its SKUs."""

    event_type = "product.created.v1"


class ProductUpdated(_ProductSnapshot, frozen=True, kw_only=True):
    """A product changed (fields, status, category, variants): the full new snapshot."""

    event_type = "product.updated.v1"


class ProductDeleted(Event, frozen=True, kw_only=True):
    """A product and its SKUs are gone."""

    event_type = "product.deleted.v1"

    product_id: str
    skus: list[str]


class PriceChanged(Event, frozen=True, kw_only=True):
    """A SKU's resolved prices changed (its base or explicit prices, or an exchange rate)."""

    event_type = "price.changed.v1"

    product_id: str
    sku: str
    base_price: Money
    prices: dict[str, int]
    changed_at: datetime


PUBLISHED: tuple[type[Event], ...] = (ProductCreated, ProductUpdated, ProductDeleted, PriceChanged)
