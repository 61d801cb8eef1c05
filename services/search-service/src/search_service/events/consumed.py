"""Our own minimal copies of the events we consume (tolerant reader: unknown fields are
ignored, and only what the index needs is required). The shapes are agreed in
contracts/events/README.md and pinned by our consumer pacts."""

from __future__ import annotations

from datetime import datetime

import msgspec
from shopkit.messaging import Envelope, payload_as

from search_service.domain.search.schemas import ProductDocument, VariantDocument

PRODUCT_CREATED = "product.created.v1"
PRODUCT_UPDATED = "product.updated.v1"
PRODUCT_DELETED = "product.deleted.v1"
PRICE_CHANGED = "price.changed.v1"
STOCK_CHANGED = "inventory.stock_changed.v1"


class CategoryPayload(msgspec.Struct, frozen=True):
    slug: str
    name: str = ""


class VariantPayload(msgspec.Struct, frozen=True):
    sku: str
    prices: dict[str, int]


class ProductSnapshot(msgspec.Struct, frozen=True):
    """`product.created.v1` / `product.updated.v1`."""

    product_id: str
    slug: str
    name: str
    status: str
    category: CategoryPayload
    variants: list[VariantPayload]
    updated_at: datetime
    description: str = ""
    brand: str | None = None
    category_path: list[str] = msgspec.field(default_factory=list)
    images: list[str] = msgspec.field(default_factory=list)
    # Not in the agreed snapshot; used when a producer adds it, else the first snapshot's time.
    created_at: datetime | None = None

    def to_document(self) -> ProductDocument:
        return product_document(
            product_id=self.product_id,
            slug=self.slug,
            name=self.name,
            description=self.description,
            brand=self.brand,
            category=self.category,
            category_path=self.category_path,
            images=self.images,
            variants=self.variants,
            created_at=self.created_at or self.updated_at,
            updated_at=self.updated_at,
        )


class ProductDeleted(msgspec.Struct, frozen=True):
    product_id: str


class PriceChanged(msgspec.Struct, frozen=True):
    product_id: str
    sku: str
    prices: dict[str, int]


class StockChanged(msgspec.Struct, frozen=True):
    sku: str
    available: int
    changed_at: datetime


def product_document(
    *,
    product_id: str,
    slug: str,
    name: str,
    description: str,
    brand: str | None,
    category: CategoryPayload,
    category_path: list[str],
    images: list[str],
    variants: list[VariantPayload],
    created_at: datetime,
    updated_at: datetime,
) -> ProductDocument:
    """What the index stores for a product, from an event or from the product API alike."""
    path = [slug for slug in category_path if slug]
    if not path or path[-1] != category.slug:
        path.append(category.slug)
    return ProductDocument(
        product_id=product_id,
        slug=slug,
        name=name,
        description=description,
        brand=brand or "",
        category_slug=category.slug,
        category_name=category.name,
        category_path=tuple(path),
        image=images[0] if images else None,
        variants=tuple(VariantDocument(sku=v.sku, prices=dict(v.prices)) for v in variants),
        created_at=created_at,
        updated_at=updated_at,
    )


PAYLOADS: dict[str, type[msgspec.Struct]] = {
    PRODUCT_CREATED: ProductSnapshot,
    PRODUCT_UPDATED: ProductSnapshot,
    PRODUCT_DELETED: ProductDeleted,
    PRICE_CHANGED: PriceChanged,
    STOCK_CHANGED: StockChanged,
}


def read_payload(envelope: Envelope) -> msgspec.Struct:
    """The envelope's payload as our own Struct for its type (raises on a type we do not read
    or a payload missing what we need)."""
    try:
        payload_type = PAYLOADS[envelope.type]
    except KeyError:
        raise ValueError(f"search-service does not consume {envelope.type!r}") from None
    return payload_as(envelope, payload_type)
