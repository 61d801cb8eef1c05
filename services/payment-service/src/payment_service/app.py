"""The app: the SDK's service defaults plus this service's controllers and event handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata
from typing import Any

from litestar import Litestar
from shopkit.app import create_app as create_service_app
from shopkit.auth import auth_middleware, verifier_from_settings
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.messaging import Messaging

from payment_service.config import SLUG, Settings, get_settings
from payment_service.domain.payments import PaymentController, ProviderCheckController
from payment_service.domain.payments._provider_check import ProviderCheck
from payment_service.domain.payments.providers import provider_from_settings
from payment_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = sqlalchemy_config(settings.database)
    session_maker = database.create_session_maker()
    messaging = Messaging(settings.broker, SLUG, session_maker)
    provider = provider_from_settings(settings.stripe)
    reconciling = settings.reconciliation
    provider_check = ProviderCheck(
        session_maker,
        provider,
        interval_seconds=reconciling.interval_seconds,
        stale_seconds=reconciling.stale_seconds,
        lookback_seconds=reconciling.lookback_seconds,
    )
    scheduled = [provider_check.lifespan()] if reconciling.enabled else []
    register_handlers(messaging.consumer, provider)
    verifier = verifier_from_settings(settings.auth)

    @asynccontextmanager
    async def close_clients(_app: Any) -> AsyncIterator[None]:
        yield
        await verifier.jwks.aclose()
        await provider.aclose()

    return create_service_app(
        service=settings.service,
        description=metadata(SLUG)["Summary"],
        route_handlers=[
            PaymentController,
            ProviderCheckController,
            dead_letters_router(messaging.dead_letters, SLUG),
        ],
        database=database,
        auth_middleware=auth_middleware(verifier),
        health_checks=[messaging.health_check()],
        lifespan=[messaging.lifespan, *scheduled, close_clients],
        state={
            "messaging": messaging,
            "settings": settings,
            "payment_provider": provider,
            "provider_check": provider_check,
        },
        telemetry=settings.telemetry,
    )
