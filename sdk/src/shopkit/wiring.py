"""What every service is made of, built once from its settings, and the plugin that wires it.

    wiring = ServiceWiring(settings, SLUG)
    register_handlers(wiring.messaging.consumer, orders)
    return Litestar(
        route_handlers=[OrderController],
        dependencies={"orders": per_request(orders), "checkout": shared(checkout)},
        lifespan=[sweeper.lifespan()],
        plugins=[wiring.plugin()],
    )

`ServiceWiring` holds the parts every service has: the database (`database`, `session_maker`),
the broker with its outbox relay and dead letters (`messaging`), the access-token verifier
(`verifier`, from `AUTH_*`, its JWKS client closed at shut-down) and, when the service asks for
it, Redis (`redis`). `plugin()` gives the SDK's defaults (`shopkit.app.ShopkitPlugin`:
telemetry, problem+json errors, health, metrics) plus these parts' lifespans, health checks,
the auth middleware, the admins' dead-letters routes (`/api/ops/<slug>/dead-letters`) and the
`settings` and `messaging` state entries, so `app.py` names only what is the service's own:
its handlers, its lifespans and its dependencies (`shopkit.providers`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, metadata
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shopkit.app import Lifespan, ShopkitPlugin
from shopkit.auth import TokenVerifier, auth_middleware, verifier_from_settings
from shopkit.cache import RedisConnection
from shopkit.config import SharedSettings
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.health import HealthCheck
from shopkit.messaging import Messaging

__all__ = ["ServiceWiring"]


class ServiceWiring:
    def __init__(self, settings: SharedSettings, slug: str) -> None:
        self.settings = settings
        self.slug = slug
        self.database = sqlalchemy_config(settings.database)
        # advanced-alchemy types it as a plain callable; it is an async_sessionmaker.
        self.session_maker = cast(
            "async_sessionmaker[AsyncSession]", self.database.create_session_maker()
        )
        self.messaging = Messaging(settings.broker, slug, self.session_maker)
        self._verifier: TokenVerifier | None = None
        self._own_verifier = True
        self._redis: RedisConnection | None = None

    @property
    def verifier(self) -> TokenVerifier:
        """Verifies access tokens against user-service's JWKS (`AUTH_*`), unless the service
        chose another with `verify_with`."""
        if self._verifier is None:
            self._verifier = verifier_from_settings(self.settings.auth)
        return self._verifier

    def verify_with(self, verifier: TokenVerifier) -> None:
        """Verify tokens with `verifier`, which the service closes itself (user-service
        verifies against its own key table)."""
        self._verifier, self._own_verifier = verifier, False

    @property
    def redis(self) -> RedisConnection:
        """Redis for a service that uses it: asking for it adds its lifespan (and, unless
        `app(redis_required=False)`, its health check) to the app."""
        if self._redis is None:
            self._redis = RedisConnection(self.settings.redis)
        return self._redis

    def plugin(
        self,
        *,
        prepare: Sequence[Lifespan] = (),
        health_checks: Sequence[HealthCheck] = (),
        description: str | None = None,
        redis_required: bool = True,
    ) -> ShopkitPlugin:
        """The plugin that wires the app: the SDK's defaults (`ShopkitPlugin`) with these
        parts. At start-up: Redis, then `prepare` (what the event consumers use: an index they
        feed, a client they call), then the broker (its consumers and outbox relay), then the
        app's own lifespans; shut-down in reverse. `redis_required=False` keeps Redis out of
        readiness (the service works on without it)."""
        checks = [self.messaging.health_check()]
        started: list[Lifespan] = []
        if self._redis is not None:
            started.append(self._redis.lifespan)
            if redis_required:
                checks.append(self._redis.health_check())
        started += [*prepare, self.messaging.lifespan]
        if self._own_verifier:
            started.append(self._close_jwks)
        return ShopkitPlugin(
            service=self.settings.service,
            telemetry=self.settings.telemetry,
            description=description if description is not None else self._summary(),
            database=self.database,
            health_checks=[*checks, *health_checks],
            auth_middleware=auth_middleware(self.verifier),
            lifespan=started,
            route_handlers=[dead_letters_router(self.messaging.dead_letters, self.slug)],
            state={"messaging": self.messaging, "settings": self.settings},
        )

    @asynccontextmanager
    async def _close_jwks(self, _app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.verifier.jwks.aclose()

    def _summary(self) -> str:
        try:
            return str(metadata(self.slug)["Summary"] or "")
        except PackageNotFoundError:
            return ""
