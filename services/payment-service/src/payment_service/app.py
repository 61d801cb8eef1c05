"""The app: this service's controllers, event handlers, provider check and dependencies, wired
by the SDK's plugin (`shopkit.wiring`: database, broker, token verification, health, dead
letters). Every `PaymentService` uses the app's one payment provider, chosen from the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from shopkit.providers import per_request
from shopkit.wiring import ServiceWiring
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service.config import SLUG, Settings, get_settings
from payment_service.domain.payments import (
    PaymentController,
    PaymentService,
    ProviderCheckController,
)
from payment_service.domain.payments._provider_check import ProviderCheck
from payment_service.domain.payments.providers import provider_from_settings
from payment_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    provider = provider_from_settings(settings.stripe)
    register_handlers(wiring.messaging.consumer, provider)
    reconciling = settings.reconciliation
    provider_check = ProviderCheck(
        wiring.session_maker,
        provider,
        interval_seconds=reconciling.interval_seconds,
        stale_seconds=reconciling.stale_seconds,
        lookback_seconds=reconciling.lookback_seconds,
    )
    scheduled = [provider_check.lifespan()] if reconciling.enabled else []

    @asynccontextmanager
    async def close_provider(_app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await provider.aclose()

    def payments(session: AsyncSession) -> PaymentService:
        return PaymentService(session, provider)

    return Litestar(
        route_handlers=[PaymentController, ProviderCheckController],
        dependencies={"payments": per_request(payments)},
        lifespan=[*scheduled, close_provider],
        plugins=[wiring.plugin()],
    )
