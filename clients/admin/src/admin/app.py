"""`create_app()`: the admin pages, static files, the health probes and the shared gateway."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from shopkit.context import request_id_middleware
from shopkit.health import HealthController
from shopkit.telemetry import (
    configure_logging,
    configure_tracing,
    metrics_controller,
    metrics_middleware,
    opentelemetry_plugin,
)

from admin import __version__
from admin.config import Settings, get_settings
from admin.controllers import CONTROLLERS
from admin.errors import exception_handlers
from admin.gateway import Gateway
from admin.money import format_money
from admin.session import csrf_guard, session_config

HERE = Path(__file__).parent


def _when(value: Any) -> str:
    """An API timestamp for reading: "2026-12-02 00:34 UTC"."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _engine_callback(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["money"] = format_money
    engine.engine.filters["when"] = _when
    engine.engine.globals["app_version"] = __version__


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.service)
    configure_tracing(settings.service, settings.telemetry)
    # Every gateway call is logged by our client on failure; httpx's line per request is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    @asynccontextmanager
    async def gateway_lifespan(app: Litestar) -> AsyncIterator[None]:
        gateway = Gateway(settings.gateway.url, settings.http)
        app.state.gateway = gateway
        try:
            yield
        finally:
            await gateway.aclose()

    admin = Router(
        path="/",
        route_handlers=CONTROLLERS,
        guards=[csrf_guard],
    )
    static = create_static_files_router(
        path="/admin/static",
        directories=[HERE / "static"],
        name="static",
        cache_control=None,
    )
    return Litestar(
        route_handlers=[HealthController, metrics_controller(), admin, static],
        middleware=[
            request_id_middleware,
            metrics_middleware(settings.service),  # /metrics: the RED dashboard's figures
            session_config(settings.admin).middleware,
        ],
        plugins=[opentelemetry_plugin()],
        exception_handlers=exception_handlers(),
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=_engine_callback,
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        lifespan=[gateway_lifespan],
        state=State({"health_checks": [], "settings": settings}),
        openapi_config=None,
        logging_config=None,
        debug=False,
    )
