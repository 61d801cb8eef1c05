"""Messages: templates, channels, the delivery log and its dispatcher."""

from notification_service.domain.notifications._channels import Channels, DeliveryError
from notification_service.domain.notifications._dispatcher import Dispatcher
from notification_service.domain.notifications._render import Templates
from notification_service.domain.notifications.controllers import NotificationController
from notification_service.domain.notifications.services import NotificationService

__all__ = [
    "Channels",
    "DeliveryError",
    "Dispatcher",
    "NotificationController",
    "NotificationService",
    "Templates",
]
