"""What the search API answers, and what the index stores.

Public: `SearchResults` (a page of `SearchItem` plus `Facets`) and `Suggestions`; both backends
build exactly these, so switching backends changes nothing a client sees.
Internal: `ProductDocument` (one active product as indexed) and `SearchQuery` (a validated
search, built by `build_query`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec
from shopkit.money import Money


class CategoryRef(msgspec.Struct, frozen=True):
    slug: str
    name: str


class SearchItem(msgspec.Struct, frozen=True):
    product_id: str
    slug: str
    name: str
    brand: str
    category: CategoryRef
    image: str | None
    # The product's lowest variant price in the asked currency; null when it has none.
    price: Money | None
    in_stock: bool


class TermBucket(msgspec.Struct, frozen=True):
    value: str
    count: int


class StockBucket(msgspec.Struct, frozen=True):
    value: bool
    count: int


class PriceBucket(msgspec.Struct, frozen=True):
    """Products whose price is in [from, to) minor units of the asked currency; `to` null is
    open-ended."""

    from_: int = msgspec.field(name="from")
    to: int | None = None
    count: int = 0


class Facets(msgspec.Struct, frozen=True):
    """Counts over every result of the search (all filters applied), not just this page."""

    category: list[TermBucket]
    brand: list[TermBucket]
    price: list[PriceBucket]
    in_stock: list[StockBucket]


class SearchResults(msgspec.Struct, frozen=True):
    items: list[SearchItem]
    total: int
    limit: int
    offset: int
    facets: Facets


class Suggestions(msgspec.Struct, frozen=True):
    suggestions: list[str]


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


class SearchQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A validated search: every backend receives exactly this."""

    text: str = ""
    category: str | None = None
    brand: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    currency: str = "EUR"
    sort: Sort = Sort.RELEVANCE
    limit: int = 20
    offset: int = 0
    # Lower bounds of the price facet's buckets, minor units of `currency`, ascending.
    price_edges: tuple[int, ...] = ()


class VariantDocument(msgspec.Struct, frozen=True):
    sku: str
    # Resolved price per currency in minor units: {"EUR": 1999, "JPY": 3300}.
    prices: dict[str, int]


class ProductDocument(msgspec.Struct, frozen=True, kw_only=True):
    """One active product as the index holds it (stock is joined in by SKU)."""

    product_id: str
    slug: str
    name: str
    description: str
    brand: str
    category_slug: str
    category_name: str
    # Root first, ending with the product's own category.
    category_path: tuple[str, ...]
    image: str | None
    variants: tuple[VariantDocument, ...]
    created_at: datetime
    updated_at: datetime

    @property
    def skus(self) -> list[str]:
        return [variant.sku for variant in self.variants]


def min_prices(variants: tuple[VariantDocument, ...] | list[VariantDocument]) -> dict[str, int]:
    """The lowest price per currency over the variants (a currency any variant lacks is taken
    from the others)."""
    lowest: dict[str, int] = {}
    for variant in variants:
        for currency, amount in variant.prices.items():
            if currency not in lowest or amount < lowest[currency]:
                lowest[currency] = amount
    return lowest
