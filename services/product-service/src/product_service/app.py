"""The app: the SDK's service defaults plus this service's controllers and event handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata
from typing import Any

from litestar import Litestar
from shopkit.app import create_app as create_service_app
from shopkit.auth import auth_middleware, verifier_from_settings
from shopkit.cache import JsonCache, RedisConnection
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.messaging import Messaging

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
    database = sqlalchemy_config(settings.database)
    messaging = Messaging(settings.broker, SLUG, database.create_session_maker())
    register_handlers(messaging.consumer)
    verifier = verifier_from_settings(settings.auth)
    redis = RedisConnection(settings.redis)
    cache = CatalogCache(
        JsonCache(
            redis.client,
            settings.catalog.cache_prefix,
            settings.catalog.cache_ttl_seconds,
            local_entries=settings.catalog.local_entries,
        )
    )

    @asynccontextmanager
    async def close_jwks(_app: Any) -> AsyncIterator[None]:
        yield
        await verifier.jwks.aclose()

    return create_service_app(
        service=settings.service,
        description=metadata(SLUG)["Summary"],
        route_handlers=[
            CategoryController,
            ProductController,
            CurrencyController,
            dead_letters_router(messaging.dead_letters, SLUG),
        ],
        database=database,
        auth_middleware=auth_middleware(verifier),
        health_checks=[messaging.health_check(), redis.health_check()],
        lifespan=[messaging.lifespan, redis.lifespan, cache.watch, close_jwks],
        state={
            "messaging": messaging,
            "settings": settings,
            "catalog_cache": cache,
            "database": database,
        },
        telemetry=settings.telemetry,
    )
