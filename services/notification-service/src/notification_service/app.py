"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, token verification, health,
dead letters) plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.wiring import ServiceWiring
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
    wiring = ServiceWiring(settings, SLUG)
    templates = Templates()

    def notifications(session: AsyncSession) -> NotificationService:
        return NotificationService(session, templates=templates, settings=settings)

    register_handlers(wiring.messaging.consumer, notifications)
    dispatcher = Dispatcher(
        wiring.session_maker,
        notifications,
        lambda: Channels.from_settings(settings),
        settings.notify.dispatch_interval_seconds,
    )
    return wiring.app(
        route_handlers=[NotificationController, PreferencesController],
        lifespan=[dispatcher.lifespan],
        state={"dispatcher": dispatcher, "notification_service": notifications},
    )
