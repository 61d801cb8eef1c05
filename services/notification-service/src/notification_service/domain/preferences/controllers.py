"""HTTP for the caller's own channel preferences."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from shopkit.auth import CurrentPrincipal

from notification_service.domain.guards import requires_user
from notification_service.domain.preferences.schemas import Preferences, PreferencesUpdate
from notification_service.domain.preferences.services import RecipientService


class PreferencesController(Controller):
    path = "/api/notifications/preferences"
    tags = ["preferences"]
    guards = [requires_user]

    @get("/", operation_id="getNotificationPreferences")
    async def get_preferences(
        self, recipients: NamedDependency[RecipientService], principal: CurrentPrincipal
    ) -> Preferences:
        """The caller's channels (defaults: email on, SMS off)."""
        return await recipients.preferences(principal.subject)

    @put("/", operation_id="setNotificationPreferences")
    async def set_preferences(
        self,
        recipients: NamedDependency[RecipientService],
        principal: CurrentPrincipal,
        data: JSONBody[PreferencesUpdate],
    ) -> Preferences:
        """Replace the caller's channels; SMS needs an E.164 phone number."""
        return await recipients.set_preferences(principal.subject, data)
