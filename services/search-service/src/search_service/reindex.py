"""`search-service reindex`: rebuild the index from product-service's public API, page by page.

Used when the index is lost (and as `seed` by `make up`). Every page is read before anything is
written, so an unreachable product-service leaves the current index as it was; with the
PostgreSQL backend the rebuild then commits in one transaction, so searches never see it half
done. Stock is not in the product API: it comes from `inventory.stock_changed` events and is
kept per SKU across a rebuild.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import msgspec
from shopkit.config import HttpSettings
from shopkit.db import sqlalchemy_config
from shopkit.http import ServiceClient

from search_service.config import ProductServiceSettings, Settings
from search_service.domain.search import Indexer, engine_from_settings
from search_service.domain.search.schemas import ProductDocument
from search_service.events.consumed import CategoryPayload, VariantPayload, product_document

PRODUCTS_PATH = "/api/products"


class CatalogProduct(msgspec.Struct, frozen=True):
    """One item of `GET /api/products` (our tolerant copy: only what the index needs)."""

    id: str
    slug: str
    name: str
    category: CategoryPayload
    variants: list[VariantPayload]
    created_at: datetime
    updated_at: datetime
    description: str = ""
    brand: str | None = None
    status: str = "active"
    category_path: list[str] = msgspec.field(default_factory=list)
    images: list[str] = msgspec.field(default_factory=list)

    def to_document(self) -> ProductDocument:
        return product_document(
            product_id=self.id,
            slug=self.slug,
            name=self.name,
            description=self.description,
            brand=self.brand,
            category=self.category,
            category_path=self.category_path,
            images=self.images,
            variants=self.variants,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


class CatalogPage(msgspec.Struct, frozen=True):
    items: list[CatalogProduct]
    total: int
    limit: int
    offset: int


class CatalogClient:
    """Reads the active catalog from product-service (shopkit.http: timeouts, retries, breaker)."""

    def __init__(
        self,
        settings: ProductServiceSettings,
        http: HttpSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.page_size = settings.page_size
        self.client = ServiceClient(
            settings.url, settings=http, name="product-service", transport=transport
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def page(self, offset: int) -> CatalogPage:
        """One page of the catalog (`ServiceUnavailable` when product-service is away,
        `UpstreamRejected` when it refuses or answers something unexpected)."""
        return await self.client.get_json(
            PRODUCTS_PATH, CatalogPage, params={"limit": self.page_size, "offset": offset}
        )

    async def active_products(self) -> AsyncIterator[ProductDocument]:
        offset = 0
        while True:
            page = await self.page(offset)
            for item in page.items:
                if item.status == "active":
                    yield item.to_document()
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return


async def read_catalog(client: CatalogClient) -> list[ProductDocument]:
    return [product async for product in client.active_products()]


async def reindex(settings: Settings) -> int:
    """Rebuild the configured index from product-service; returns how many products it holds."""
    client = CatalogClient(settings.product_service, settings.http)
    try:
        products = await read_catalog(client)
    finally:
        await client.aclose()
    engine = engine_from_settings(settings)
    database = sqlalchemy_config(settings.database)
    try:
        async with engine.lifespan(), database.get_session() as session:
            count = await Indexer(engine.backend(session)).rebuild(products)
            await session.commit()
    finally:
        await database.get_engine().dispose()
    return count
