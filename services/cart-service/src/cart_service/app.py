"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, Redis, token verification,
health, dead letters) plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.wiring import ServiceWiring

from cart_service.config import SLUG, Settings, get_settings
from cart_service.domain.carts import CartController, CartService, CartStore, HttpCatalog
from cart_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    catalog = HttpCatalog.from_urls(
        settings.product_service.base_url,
        settings.inventory_service.base_url,
        settings.http,
        cache_seconds=settings.cart.catalog_cache_seconds,
    )
    store = CartStore(
        wiring.redis.client,
        prefix=settings.cart.key_prefix,
        guest_ttl_seconds=settings.cart.guest_ttl_seconds,
    )
    carts = CartService(store, catalog, settings.cart)
    register_handlers(wiring.messaging.consumer, carts)
    return wiring.app(
        route_handlers=[CartController],
        prepare=[catalog.lifespan],  # the consumers read the catalog
        state={"cart_service": carts},
    )
