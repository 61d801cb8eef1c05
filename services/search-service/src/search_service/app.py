"""The app: this service's controllers, event handlers and dependencies, wired by the SDK's
plugin (`shopkit.wiring`: database, broker, token verification, health, dead letters), with
the search engine its settings choose (Elasticsearch or PostgreSQL full text)."""

from __future__ import annotations

from litestar import Litestar
from shopkit.cache import LocalCache
from shopkit.providers import per_request, shared
from shopkit.wiring import ServiceWiring

from search_service.config import SLUG, Settings, get_settings
from search_service.domain.search import SearchController, engine_from_settings
from search_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    engine = engine_from_settings(settings)
    register_handlers(wiring.messaging.consumer, engine)
    results = LocalCache(
        settings.search.results_cache_entries, settings.search.results_cache_seconds
    )
    return Litestar(
        route_handlers=[SearchController],
        dependencies={
            "search_backend": per_request(engine.backend),
            "results_cache": shared(results),
            "settings": shared(settings),
        },
        plugins=[
            wiring.plugin(
                health_checks=engine.health_checks(),
                # the index is ready before the consumers start feeding it
                prepare=[engine.lifespan],
            )
        ],
    )
