"""The app: the SDK's service defaults plus this service's controllers and event handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata
from typing import Any

from litestar import Litestar
from shopkit.app import create_app as create_service_app
from shopkit.auth import auth_middleware, verifier_from_settings
from shopkit.cache import LocalCache
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.messaging import Messaging

from search_service.config import SLUG, Settings, get_settings
from search_service.domain.search import SearchController, engine_from_settings
from search_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = sqlalchemy_config(settings.database)
    engine = engine_from_settings(settings)
    messaging = Messaging(settings.broker, SLUG, database.create_session_maker())
    register_handlers(messaging.consumer, engine)
    verifier = verifier_from_settings(settings.auth)

    @asynccontextmanager
    async def close_jwks(_app: Any) -> AsyncIterator[None]:
        yield
        await verifier.jwks.aclose()

    return create_service_app(
        service=settings.service,
        description=metadata(SLUG)["Summary"],
        route_handlers=[SearchController, dead_letters_router(messaging.dead_letters, SLUG)],
        database=database,
        auth_middleware=auth_middleware(verifier),
        health_checks=[messaging.health_check(), *engine.health_checks()],
        # The index is ready before the consumers start feeding it.
        lifespan=[engine.lifespan, messaging.lifespan, close_jwks],
        state={
            "messaging": messaging,
            "settings": settings,
            "search_engine": engine,
            "search_results": LocalCache(
                settings.search.results_cache_entries, settings.search.results_cache_seconds
            ),
        },
        telemetry=settings.telemetry,
    )
