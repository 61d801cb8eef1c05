"""The app: this service's controllers, event handlers, dispatcher and dependencies, wired by
the SDK's plugin (`shopkit.wiring`: database, broker, token verification, health, dead
letters). Requests, events and the dispatcher build the services with the same factory."""

from __future__ import annotations

from litestar import Litestar
from shopkit.providers import per_request
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
from notification_service.domain.preferences import PreferencesController, RecipientService
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
    return Litestar(
        route_handlers=[NotificationController, PreferencesController],
        dependencies={
            "notifications": per_request(notifications),
            "recipients": per_request(RecipientService),
        },
        lifespan=[dispatcher.lifespan],
        plugins=[wiring.plugin()],
    )
