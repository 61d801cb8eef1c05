"""HTTP for the caller's own messages."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from shopkit.auth import CurrentPrincipal
from shopkit.db import LimitOffset, Page

from notification_service.domain.guards import requires_user
from notification_service.domain.notifications.schemas import Notification
from notification_service.domain.notifications.services import NotificationService


class NotificationController(Controller):
    path = "/api/notifications"
    tags = ["notifications"]
    guards = [requires_user]

    @get("/", operation_id="listMyNotifications")
    async def list_notifications(
        self,
        notifications: NamedDependency[NotificationService],
        principal: CurrentPrincipal,
        page: NamedDependency[LimitOffset],
    ) -> Page[Notification]:
        """Messages sent to the caller, newest first."""
        rows, total = await notifications.page_for_user(principal.subject, page.limit, page.offset)
        items = [
            Notification(
                id=row.id,
                event_type=row.event_type,
                template=row.template,
                channel=row.channel,
                recipient=row.recipient,
                subject=row.subject,
                body=row.body_text,
                status=row.status,
                attempts=row.attempts,
                created_at=row.created_at,
                sent_at=row.sent_at,
            )
            for row in rows
        ]
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)
