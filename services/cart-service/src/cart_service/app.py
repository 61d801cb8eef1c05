"""The app: the SDK's service defaults plus this service's controllers and event handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata
from typing import Any

from litestar import Litestar
from shopkit.app import create_app as create_service_app
from shopkit.auth import auth_middleware, verifier_from_settings
from shopkit.cache import RedisConnection
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.messaging import Messaging

from cart_service.config import SLUG, Settings, get_settings
from cart_service.domain.carts import CartController, CartService, CartStore, HttpCatalog
from cart_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = sqlalchemy_config(settings.database)
    messaging = Messaging(settings.broker, SLUG, database.create_session_maker())
    redis = RedisConnection(settings.redis)
    catalog = HttpCatalog.from_urls(
        settings.product_service.base_url,
        settings.inventory_service.base_url,
        settings.http,
        cache_seconds=settings.cart.catalog_cache_seconds,
    )
    store = CartStore(
        redis.client,
        prefix=settings.cart.key_prefix,
        guest_ttl_seconds=settings.cart.guest_ttl_seconds,
    )
    carts = CartService(store, catalog, settings.cart)
    register_handlers(messaging.consumer, carts)
    verifier = verifier_from_settings(settings.auth)

    @asynccontextmanager
    async def close_jwks(_app: Any) -> AsyncIterator[None]:
        yield
        await verifier.jwks.aclose()

    return create_service_app(
        service=settings.service,
        description=metadata(SLUG)["Summary"],
        route_handlers=[CartController, dead_letters_router(messaging.dead_letters, SLUG)],
        database=database,
        auth_middleware=auth_middleware(verifier),
        health_checks=[messaging.health_check(), redis.health_check()],
        lifespan=[redis.lifespan, catalog.lifespan, messaging.lifespan, close_jwks],
        state={"messaging": messaging, "settings": settings, "cart_service": carts},
        telemetry=settings.telemetry,
    )
