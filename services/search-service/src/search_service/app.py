"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, token verification, health,
dead letters) plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.cache import LocalCache
from shopkit.wiring import ServiceWiring

from search_service.config import SLUG, Settings, get_settings
from search_service.domain.search import SearchController, engine_from_settings
from search_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    engine = engine_from_settings(settings)
    register_handlers(wiring.messaging.consumer, engine)
    return wiring.app(
        route_handlers=[SearchController],
        health_checks=engine.health_checks(),
        prepare=[engine.lifespan],  # the index is ready before the consumers start feeding it
        state={
            "search_engine": engine,
            "search_results": LocalCache(
                settings.search.results_cache_entries, settings.search.results_cache_seconds
            ),
        },
    )
