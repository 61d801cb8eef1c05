"""Index maintenance: what each consumed change means for the index, for either backend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from search_service.domain.search._backend import SearchBackend
from search_service.domain.search.schemas import ProductDocument

ACTIVE = "active"


class Indexer:
    """Turns catalog and stock changes into index writes; only active products are searchable."""

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend

    async def product_changed(self, status: str, product: ProductDocument) -> None:
        if status == ACTIVE:
            await self.backend.index_product(product)
        else:
            await self.backend.remove_product(product.product_id, as_of=product.updated_at)

    async def product_deleted(self, product_id: str) -> None:
        await self.backend.remove_product(product_id)

    async def price_changed(self, product_id: str, sku: str, prices: dict[str, int]) -> None:
        await self.backend.update_prices(product_id, sku, prices)

    async def stock_changed(self, sku: str, available: int, changed_at: datetime) -> None:
        await self.backend.update_stock(sku, available, changed_at)

    async def rebuild(self, products: Sequence[ProductDocument]) -> int:
        """Replace every product with `products` (all active); stock per SKU is kept."""
        await self.backend.clear()
        await self.backend.index_products(products)
        return len(products)
