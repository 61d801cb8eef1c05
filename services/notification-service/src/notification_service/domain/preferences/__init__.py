"""The caller's channel preferences, and what this service knows of each user as a recipient."""

from notification_service.domain.preferences.controllers import PreferencesController
from notification_service.domain.preferences.services import (
    RecipientService,
    UnknownRecipientError,
)

__all__ = ["PreferencesController", "RecipientService", "UnknownRecipientError"]
