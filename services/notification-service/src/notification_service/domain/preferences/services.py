"""Recipients: who a user is for messages (learnt from events) and the channels they chose."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.db import compile_once
from shopkit.errors import InvalidInputError, NotFoundError
from shopkit.messaging import new_event_id
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import Insert, insert

from notification_service.db import models
from notification_service.domain.preferences._rules import ChannelChoice
from notification_service.domain.preferences.schemas import Preferences, PreferencesUpdate


def _remember() -> Insert:
    statement = insert(models.Recipient).values(
        id=bindparam("id"),
        user_id=bindparam("user_id"),
        email=bindparam("email"),
        name=bindparam("name"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    return statement.on_conflict_do_update(
        index_elements=["user_id"],
        set_={
            "email": statement.excluded.email,
            "name": statement.excluded.name,
            "updated_at": statement.excluded.updated_at,
        },
    )


# Once per order event: compiled once, not on every call.
_REMEMBER = compile_once(_remember())


class UnknownRecipientError(NotFoundError):
    """An event names a user whose address this service never learnt."""

    code = "recipient-unknown"


class RecipientRepository(SQLAlchemyAsyncRepository[models.Recipient]):
    model_type = models.Recipient

    async def remember(self, user_id: str, email: str, name: str) -> models.Recipient:
        """Insert or refresh the address and name; preferences stay as they are."""
        now = datetime.now(UTC)
        await self.session.execute(
            _REMEMBER,
            {
                "id": UUID(new_event_id()),
                "user_id": user_id,
                "email": email,
                "name": name,
                "now": now,
            },
        )
        return await self.for_user(user_id, lock=True)

    async def for_user(self, user_id: str, *, lock: bool = False) -> models.Recipient:
        found = await self.find(user_id, lock=lock)
        if found is None:
            raise UnknownRecipientError(f"no recipient known for user {user_id}")
        return found

    async def find(self, user_id: str, *, lock: bool = False) -> models.Recipient | None:
        query = select(models.Recipient).where(models.Recipient.user_id == user_id)
        if lock:
            query = query.with_for_update()
        recipient: models.Recipient | None = await self.session.scalar(
            query.execution_options(populate_existing=True)
        )
        return recipient


def choice_of(recipient: models.Recipient | None) -> ChannelChoice:
    if recipient is None:
        return ChannelChoice()
    return ChannelChoice(
        email=recipient.email_enabled, sms=recipient.sms_enabled, phone=recipient.phone
    )


class RecipientService(SQLAlchemyAsyncRepositoryService[models.Recipient, RecipientRepository]):
    repository_type = RecipientRepository

    async def remember(self, user_id: str, email: str, name: str) -> models.Recipient:
        return await self.repository.remember(user_id, email, name)

    async def known(self, user_id: str) -> models.Recipient:
        return await self.repository.for_user(user_id)

    async def preferences(self, user_id: str) -> Preferences:
        choice = choice_of(await self.repository.find(user_id))
        return Preferences(email=choice.email, sms=choice.sms, phone=choice.phone)

    async def set_preferences(self, user_id: str, data: PreferencesUpdate) -> Preferences:
        recipient = await self.repository.find(user_id, lock=True)
        current = recipient.phone if recipient is not None else None
        phone = current if data.phone is msgspec.UNSET else data.phone
        if data.sms and not phone:
            raise InvalidInputError("phone", "a phone number (E.164) is needed to receive SMS")
        if recipient is None:
            recipient = await self.create(models.Recipient(user_id=user_id))
        recipient.email_enabled = data.email
        recipient.sms_enabled = data.sms
        recipient.phone = phone
        await self.repository.update(recipient)
        return Preferences(email=data.email, sms=data.sms, phone=phone)
