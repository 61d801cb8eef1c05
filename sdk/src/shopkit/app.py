"""`create_app`: one call that gives a service the platform's defaults.

What every Shopkit service gets, so no service wires it by hand:
problem+json errors (RFC 9457), `/health/live` and `/health/ready` (one check per dependency),
`/metrics`, OpenAPI at `/schema` (Swagger UI at `/schema/swagger`), OpenTelemetry, JSON logs,
request ids (taken from `X-Request-ID` or made, echoed back, put in every log line and passed on
by `shopkit.http`), input no handler should see refused with a 422 (`shopkit.guard`: NUL
characters, bodies that are not UTF-8 JSON, out-of-range integers, coerced types), the database
session plugin, bearer-token authentication when `auth` is
given, and the broker plus outbox relay started and stopped with the app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import PluginProtocol
from litestar.types import ControllerRouterHandler

from shopkit.config import ServiceSettings, TelemetrySettings
from shopkit.context import request_id_middleware
from shopkit.db import provide_limit_offset
from shopkit.dependencies import install as resolve_dependencies_sequentially
from shopkit.errors import exception_handlers
from shopkit.guard import guard_request
from shopkit.health import HealthCheck, HealthController, database_check
from shopkit.openapi_problems import ProblemResponsesPlugin
from shopkit.telemetry import (
    configure_logging,
    configure_tracing,
    metrics_controller,
    metrics_middleware,
    opentelemetry_plugin,
)

__all__ = ["BEARER_SECURITY", "create_app", "request_id_middleware"]

BEARER_SECURITY = "BearerToken"
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


def create_app(
    *,
    service: ServiceSettings,
    route_handlers: Sequence[ControllerRouterHandler],
    description: str = "",
    database: SQLAlchemyAsyncConfig | None = None,
    health_checks: Sequence[HealthCheck] = (),
    auth_middleware: DefineMiddleware | None = None,
    lifespan: Sequence[Lifespan] = (),
    dependencies: dict[str, Provide] | None = None,
    plugins: Sequence[PluginProtocol] = (),
    middleware: Sequence[Any] = (),
    state: dict[str, Any] | None = None,
    telemetry: TelemetrySettings | None = None,
    debug: bool = False,
) -> Litestar:
    """A Litestar app with the platform defaults around this service's own handlers.

    `lifespan` context managers run in order at start-up and in reverse at shut-down: this is
    where a service starts its broker, outbox relay and background workers.
    """
    configure_logging(service)
    configure_tracing(service, telemetry or TelemetrySettings())
    resolve_dependencies_sequentially()

    checks = list(health_checks)
    all_plugins: list[PluginProtocol] = [opentelemetry_plugin(), ProblemResponsesPlugin(), *plugins]
    if database is not None:
        all_plugins.append(SQLAlchemyPlugin(config=database))
        checks.insert(0, database_check(database.get_engine()))

    app_state = State({"health_checks": checks, **(state or {})})
    return Litestar(
        route_handlers=[HealthController, metrics_controller(), *route_handlers],
        exception_handlers=exception_handlers(),
        plugins=all_plugins,
        middleware=[
            request_id_middleware,
            metrics_middleware(service),
            *([auth_middleware] if auth_middleware else []),
            *middleware,
        ],
        dependencies={"page": Provide(provide_limit_offset), **(dependencies or {})},
        lifespan=list(lifespan),
        before_request=guard_request,
        state=app_state,
        openapi_config=OpenAPIConfig(
            title=service.name,
            version=service.version,
            description=description or None,
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    BEARER_SECURITY: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="Access token from POST /api/auth/login",
                    )
                }
            ),
            security=[{BEARER_SECURITY: []}],
            use_handler_docstrings=True,
        ),
        logging_config=None,
        debug=debug,
    )
