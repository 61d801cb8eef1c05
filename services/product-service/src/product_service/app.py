"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, token verification, health,
dead letters) plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.cache import JsonCache
from shopkit.wiring import ServiceWiring

from product_service.config import SLUG, Settings, get_settings
from product_service.domain.catalog import (
    CategoryController,
    CurrencyController,
    ProductController,
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
    return wiring.app(
        route_handlers=[CategoryController, ProductController, CurrencyController],
        lifespan=[cache.watch],
        state={"catalog_cache": cache, "database": wiring.database},
    )
