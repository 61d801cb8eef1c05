"""The one interface both index backends implement, and the choice between them.

A `SearchEngine` lives as long as the process (it owns connections, e.g. the Elasticsearch
client); `engine.backend(session)` gives the `SearchBackend` for one unit of work. The
PostgreSQL backend works in that session, so an event's index change commits together with its
inbox row; the Elasticsearch backend ignores it (its writes are idempotent, so a redelivery
after a failed commit rewrites the same documents).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from shopkit.health import HealthCheck
from sqlalchemy.ext.asyncio import AsyncSession

from search_service.config import Settings
from search_service.domain.search.schemas import ProductDocument, SearchQuery, SearchResults


@runtime_checkable
class SearchBackend(Protocol):
    async def index_product(self, product: ProductDocument) -> None:
        """Add or replace one active product (an older snapshot never overwrites a newer one)."""

    async def index_products(self, products: Sequence[ProductDocument]) -> None:
        """Add or replace many at once (bulk)."""

    async def remove_product(self, product_id: str, as_of: datetime | None = None) -> None:
        """Forget a product; unknown ids are fine. `as_of` is the time of the snapshot that
        took it out (snapshots up to then are ignored); None is a deletion, which is final."""

    async def update_prices(self, product_id: str, sku: str, prices: dict[str, int]) -> None:
        """One SKU's resolved prices changed; the product's minimum prices follow."""

    async def update_stock(self, sku: str, available: int, changed_at: datetime) -> None:
        """Availability of one SKU (kept even before its product is indexed)."""

    async def search(self, query: SearchQuery) -> SearchResults: ...

    async def suggest(self, text: str, limit: int) -> list[str]: ...

    async def clear(self) -> None:
        """Forget every product (stock per SKU is kept: it only comes from events)."""


class SearchEngine(Protocol):
    name: str

    def backend(self, session: AsyncSession) -> SearchBackend: ...

    def lifespan(self, app: Any = None) -> AbstractAsyncContextManager[None]: ...

    def health_checks(self) -> list[HealthCheck]: ...


def engine_from_settings(settings: Settings) -> SearchEngine:
    """Elasticsearch when `ELASTICSEARCH_URL` is set, PostgreSQL full text otherwise."""
    if settings.elasticsearch.url:
        from search_service.domain.search._elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine(settings.elasticsearch, settings.search)
    from search_service.domain.search._postgres import PostgresEngine

    return PostgresEngine(settings.search)
