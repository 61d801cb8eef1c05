"""`create_app()`: the storefront's pages, static files, session, health and error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from shopkit.context import request_id_middleware
from shopkit.telemetry import (
    configure_logging,
    configure_tracing,
    metrics_controller,
    metrics_middleware,
    opentelemetry_plugin,
)

from storefront import templating
from storefront.config import Settings, get_settings
from storefront.controllers import ROUTE_HANDLERS
from storefront.errors import exception_handlers
from storefront.gateway import Gateway
from storefront.pages import provide_shop
from storefront.reference import ReferenceData
from storefront.session import csrf_guard, session_config
from storefront.timing import server_timing_middleware

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.service)
    configure_tracing(settings.service, settings.telemetry)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        gateway = Gateway(settings.gateway)
        app.state.gateway = gateway
        try:
            yield
        finally:
            await gateway.aclose()

    return Litestar(
        route_handlers=[
            *ROUTE_HANDLERS,
            metrics_controller(),
            create_static_files_router(
                path="/static",
                directories=[HERE / "static"],
                name="static",
                include_in_schema=False,
                cache_control=None,
            ),
        ],
        dependencies={"shop": Provide(provide_shop)},
        guards=[csrf_guard],
        middleware=[
            DefineMiddleware(server_timing_middleware),
            DefineMiddleware(request_id_middleware),
            metrics_middleware(settings.service),  # /metrics: the RED dashboard's figures
            session_config(settings.storefront).middleware,
        ],
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=templating.configure,
        ),
        exception_handlers=exception_handlers(),
        plugins=[opentelemetry_plugin()],
        lifespan=[lifespan],
        state=State({"settings": settings, "reference": ReferenceData()}),
        openapi_config=None,
        debug=False,
    )
