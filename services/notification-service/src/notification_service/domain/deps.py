"""How requests get this service's services: built on the request's session by the same
factory (`app.state`) that event handlers and the dispatcher use."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.domain.notifications.services import NotificationService


async def provide_notifications(
    db_session: NamedDependency[AsyncSession], state: State
) -> NotificationService:
    notifications: NotificationService = state["notification_service"](db_session)
    return notifications
