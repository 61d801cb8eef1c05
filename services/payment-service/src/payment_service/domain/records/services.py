"""Record rules: unique names, and an event for every change written in the same transaction."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.errors import ConflictError
from shopkit.messaging import Outbox
from shopkit.schemas import set_fields

from payment_service.config import SLUG
from payment_service.db import models
from payment_service.domain.records.schemas import RecordCreate, RecordUpdate
from payment_service.events.events import RecordCreated, RecordDeleted


class NameTakenError(ConflictError):
    code = "record-name-taken"


class RecordService(SQLAlchemyAsyncRepositoryService[models.Record]):
    class Repo(SQLAlchemyAsyncRepository[models.Record]):
        model_type = models.Record

    repository_type = Repo

    async def _ensure_name_free(self, name: str, record_id: UUID | None = None) -> None:
        clash = await self.get_one_or_none(models.Record.name == name)
        if clash is not None and clash.id != record_id:
            raise NameTakenError(f"A record named {name!r} already exists.")

    async def create_record(self, data: RecordCreate) -> models.Record:
        await self._ensure_name_free(data.name)
        record = await self.create(models.Record(name=data.name, description=data.description))
        created = RecordCreated(id=str(record.id), name=record.name)
        Outbox.add(self.repository.session, created, SLUG)
        return record

    async def update_record(self, record_id: UUID, data: RecordUpdate) -> models.Record:
        changes = set_fields(data)
        if "name" in changes:
            await self._ensure_name_free(changes["name"], record_id)
        return await self.update(changes, item_id=record_id)

    async def delete_record(self, record_id: UUID) -> None:
        record = await self.delete(record_id)
        Outbox.add(self.repository.session, RecordDeleted(id=str(record.id)), SLUG)
