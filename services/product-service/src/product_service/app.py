"""The app: this service's controllers, event handlers and dependencies, wired by the SDK's
plugin (`shopkit.wiring`: database, broker, Redis, token verification, health, dead letters).

Reads the cache usually answers get their service `on_first_use` (`*_on_use`): a cached read
opens no database session."""

from __future__ import annotations

from litestar import Litestar
from shopkit.cache import JsonCache
from shopkit.providers import on_first_use, per_request, shared
from shopkit.wiring import ServiceWiring
from sqlalchemy.ext.asyncio import AsyncSession

from product_service.config import SLUG, Settings, get_settings
from product_service.domain.catalog import (
    CategoryController,
    CategoryService,
    CurrencyController,
    CurrencyService,
    ProductController,
    ProductService,
)
from product_service.domain.catalog._http import CatalogCache
from product_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    register_handlers(wiring.messaging.consumer)
    cache = CatalogCache(
        JsonCache(
            wiring.redis.client,
            settings.catalog.cache_prefix,
            settings.catalog.cache_ttl_seconds,
            local_entries=settings.catalog.local_entries,
        )
    )
    database = wiring.database

    def categories(session: AsyncSession) -> CategoryService:
        return CategoryService(session, cache=cache)

    def products(session: AsyncSession) -> ProductService:
        return ProductService(session, cache=cache)

    def currencies(session: AsyncSession) -> CurrencyService:
        return CurrencyService(session, cache=cache)

    return Litestar(
        route_handlers=[CategoryController, ProductController, CurrencyController],
        dependencies={
            # the writes: each drops the read cache once its change is committed
            "categories": per_request(categories),
            "products": per_request(products),
            "currencies": per_request(currencies),
            "categories_on_use": on_first_use(CategoryService, database),
            "products_on_use": on_first_use(ProductService, database),
            "currencies_on_use": on_first_use(CurrencyService, database),
            "cache": shared(cache),
            "max_age": shared(settings.catalog.http_max_age_seconds),
        },
        lifespan=[cache.watch],
        plugins=[wiring.plugin()],
    )
