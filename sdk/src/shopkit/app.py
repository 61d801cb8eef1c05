"""`ShopkitPlugin`: the Litestar plugin that gives an app the platform's defaults.

    Litestar(route_handlers=[...], plugins=[ShopkitPlugin(service=settings.service)])

What every Shopkit service gets, so no service wires it by hand:
problem+json errors (RFC 9457), `/health/live` and `/health/ready` (one check per dependency),
`/metrics`, OpenAPI at `/schema` (Swagger UI at `/schema/swagger`), OpenTelemetry, JSON logs,
request ids (taken from `X-Request-ID` or made, echoed back, put in every log line and passed on
by `shopkit.http`), input no handler should see refused with a 422 (`shopkit.guard`: NUL
characters, bodies that are not UTF-8 JSON, out-of-range integers, coerced types), the database
session plugin, bearer-token authentication when `auth_middleware` is given, and the lifespans
the plugin is given (the broker and its outbox relay) started before the app's own, and the
request's unit of work (`shopkit.transactions`): a successful answer's database work is
committed before the answer is sent, so no controller commits. Every
handler may ask for `page` (`LimitOffset` from `limit`/`offset`) and `principal` (the verified
caller, `shopkit.auth.CurrentPrincipal`; 401 without a token).

A service does not build this plugin itself: `shopkit.wiring.ServiceWiring.plugin()` builds it
from the service's settings with the parts every service has.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, Request, Response
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol, PluginProtocol
from litestar.types import ControllerRouterHandler

from shopkit.auth import provide_principal
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
from shopkit.transactions import commit_before_answer, request_scope_middleware

__all__ = ["BEARER_SECURITY", "Lifespan", "ShopkitPlugin", "request_id_middleware"]

BEARER_SECURITY = "BearerToken"
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


class ShopkitPlugin(InitPluginProtocol):
    """The platform's defaults around an app's own handlers, added when the app is made.

    `lifespan` context managers run in order at start-up, before the app's own, and in reverse
    after them at shut-down: this is where the broker and outbox relay start, so a service's
    own workers (`Litestar(lifespan=[...])`) can publish from their first step. `route_handlers`
    are the platform's routes the service did not write (the admins' dead letters); `state`
    entries are added to the app's state.
    """

    def __init__(
        self,
        *,
        service: ServiceSettings,
        telemetry: TelemetrySettings | None = None,
        description: str = "",
        database: SQLAlchemyAsyncConfig | None = None,
        health_checks: Sequence[HealthCheck] = (),
        auth_middleware: DefineMiddleware | None = None,
        lifespan: Sequence[Lifespan] = (),
        route_handlers: Sequence[ControllerRouterHandler] = (),
        state: dict[str, Any] | None = None,
    ) -> None:
        self.service = service
        self.telemetry = telemetry or TelemetrySettings()
        self.description = description
        self.database = database
        self.health_checks = list(health_checks)
        self.auth_middleware = auth_middleware
        self.lifespan = list(lifespan)
        self.route_handlers = list(route_handlers)
        self.state = dict(state or {})

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        configure_logging(self.service)
        configure_tracing(self.service, self.telemetry)
        resolve_dependencies_sequentially()

        checks = list(self.health_checks)
        added: list[PluginProtocol] = [opentelemetry_plugin(), ProblemResponsesPlugin()]
        if self.database is not None:
            added.append(SQLAlchemyPlugin(config=self.database))
            checks.insert(0, database_check(self.database.get_engine()))
        # Right after this plugin, so Litestar initialises them in this same pass.
        mine = next(i for i, p in enumerate(app_config.plugins) if p is self)
        app_config.plugins[mine + 1 : mine + 1] = added

        app_config.route_handlers = [
            HealthController,
            metrics_controller(),
            *app_config.route_handlers,
            *self.route_handlers,
        ]
        app_config.exception_handlers = {
            **exception_handlers(),
            **app_config.exception_handlers,
        }
        app_config.middleware = [
            request_id_middleware,
            *([request_scope_middleware] if self.database is not None else []),
            metrics_middleware(self.service),
            *([self.auth_middleware] if self.auth_middleware else []),
            *app_config.middleware,
        ]
        app_config.dependencies = {
            "page": Provide(provide_limit_offset),
            "principal": Provide(provide_principal),
            **app_config.dependencies,
        }
        app_config.lifespan = [*self.lifespan, *app_config.lifespan]
        app_config.before_request = _both(guard_request, app_config.before_request)
        if self.database is not None:
            app_config.after_request = _then(app_config.after_request, commit_before_answer())
        for key, value in {"health_checks": checks, **self.state}.items():
            app_config.state[key] = value
        app_config.openapi_config = self._openapi()
        app_config.logging_config = None  # structlog, configured above
        return app_config

    def _openapi(self) -> OpenAPIConfig:
        return OpenAPIConfig(
            title=self.service.name,
            version=self.service.version,
            description=self.description or None,
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
        )


def _then(
    own: Callable[..., Any] | None, commit_hook: Callable[[Response[Any]], Awaitable[Any]]
) -> Callable[..., Any]:
    """The app's own `after_request` if it has one, then the commit of the request's work."""
    if own is None:
        return commit_hook

    async def after_request(response: Response[Any]) -> Any:
        result = own(response)
        return await commit_hook(await result if inspect.isawaitable(result) else result)

    return after_request


def _both(first: Callable[..., Any], then: Callable[..., Any] | None) -> Callable[..., Any]:
    """The input guard, then the app's own `before_request` if it has one."""
    if then is None:
        return first

    async def before_request(request: Request[Any, Any, Any]) -> Any:
        await first(request)
        result = then(request)
        return await result if inspect.isawaitable(result) else result

    return before_request
