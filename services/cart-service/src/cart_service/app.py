"""The app: this service's controllers, event handlers and dependencies, wired by the SDK's
plugin (`shopkit.wiring`: database, broker, Redis, token verification, health, dead letters)."""

from __future__ import annotations

from litestar import Litestar
from shopkit.providers import shared
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
    return Litestar(
        route_handlers=[CartController],
        dependencies={"carts": shared(carts)},
        plugins=[wiring.plugin(prepare=[catalog.lifespan])],  # the consumers read the catalog
    )
