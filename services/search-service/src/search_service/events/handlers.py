"""The events this service consumes. Each handler runs in one transaction with its inbox row,
so a redelivered event changes nothing; failures are retried with backoff, then dead-lettered.
"""

from __future__ import annotations

from shopkit.messaging import Envelope, EventConsumer, payload_as
from sqlalchemy.ext.asyncio import AsyncSession

from search_service.domain.search import Indexer, SearchEngine
from search_service.events.consumed import (
    PRICE_CHANGED,
    PRODUCT_CREATED,
    PRODUCT_DELETED,
    PRODUCT_UPDATED,
    STOCK_CHANGED,
    PriceChanged,
    ProductDeleted,
    ProductSnapshot,
    StockChanged,
)


def register_handlers(consumer: EventConsumer, engine: SearchEngine) -> None:
    """Keep the index current from product, price and stock events."""

    def indexer(session: AsyncSession) -> Indexer:
        return Indexer(engine.backend(session))

    async def index_product(envelope: Envelope, session: AsyncSession) -> None:
        snapshot = payload_as(envelope, ProductSnapshot)
        await indexer(session).product_changed(snapshot.status, snapshot.to_document())

    consumer.handler(PRODUCT_CREATED, name="index-created-product")(index_product)
    consumer.handler(PRODUCT_UPDATED, name="index-updated-product")(index_product)

    @consumer.handler(PRODUCT_DELETED, name="unindex-deleted-product")
    async def unindex_product(envelope: Envelope, session: AsyncSession) -> None:
        deleted = payload_as(envelope, ProductDeleted)
        await indexer(session).product_deleted(deleted.product_id)

    @consumer.handler(PRICE_CHANGED, name="index-price")
    async def index_price(envelope: Envelope, session: AsyncSession) -> None:
        changed = payload_as(envelope, PriceChanged)
        await indexer(session).price_changed(changed.product_id, changed.sku, changed.prices)

    @consumer.handler(STOCK_CHANGED, name="index-stock")
    async def index_stock(envelope: Envelope, session: AsyncSession) -> None:
        changed = payload_as(envelope, StockChanged)
        await indexer(session).stock_changed(changed.sku, changed.available, changed.changed_at)
