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
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.config import SLUG, Settings, get_settings
from notification_service.domain.notifications import (
    Channels,
    Dispatcher,
    NotificationController,
    NotificationService,
    Templates,
)
from notification_service.domain.preferences import PreferencesController
from notification_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = sqlalchemy_config(settings.database)
    session_maker = database.create_session_maker()
    messaging = Messaging(settings.broker, SLUG, session_maker)
    templates = Templates()

    def notifications(session: AsyncSession) -> NotificationService:
        return NotificationService(session, templates=templates, settings=settings)

    register_handlers(messaging.consumer, notifications)
    dispatcher = Dispatcher(
        session_maker,
        notifications,
        lambda: Channels.from_settings(settings),
        settings.notify.dispatch_interval_seconds,
    )
    verifier = verifier_from_settings(settings.auth)

    @asynccontextmanager
    async def close_jwks(_app: Any) -> AsyncIterator[None]:
        yield
        await verifier.jwks.aclose()

    return create_service_app(
        service=settings.service,
        description=metadata(SLUG)["Summary"],
        route_handlers=[
            NotificationController,
            PreferencesController,
            dead_letters_router(messaging.dead_letters, SLUG),
        ],
        database=database,
        auth_middleware=auth_middleware(verifier),
        health_checks=[messaging.health_check()],
        lifespan=[messaging.lifespan, dispatcher.lifespan, close_jwks],
        state={
            "messaging": messaging,
            "settings": settings,
            "dispatcher": dispatcher,
            "notification_service": notifications,
        },
        telemetry=settings.telemetry,
    )
