"""The delivery log: written once per (event, channel, recipient), claimed for sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from notification_service.db import models


class DeliveryRepository(SQLAlchemyAsyncRepository[models.Delivery]):
    model_type = models.Delivery

    async def add_once(self, **values: Any) -> bool:
        """Queue a message unless this event already queued it for this address; True if new."""
        added = await self.session.scalar(
            insert(models.Delivery)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_delivery_event_channel_to")
            .returning(models.Delivery.id)
        )
        return added is not None

    async def claim_due(self, now: datetime) -> models.Delivery | None:
        """The next message due (queued, or failed with a retry time passed), locked so no
        other replica sends it at the same time."""
        due: models.Delivery | None = await self.session.scalar(
            select(models.Delivery)
            .where(
                models.Delivery.status.in_((models.QUEUED, models.FAILED)),
                models.Delivery.next_attempt_at <= now,
            )
            .order_by(models.Delivery.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return due

    async def page_for_user(
        self, user_id: str, limit: int, offset: int
    ) -> tuple[Sequence[models.Delivery], int]:
        mine = models.Delivery.user_id == user_id
        total = await self.session.scalar(select(func.count()).where(mine)) or 0
        rows = await self.session.scalars(
            select(models.Delivery)
            .where(mine)
            .order_by(models.Delivery.created_at.desc(), models.Delivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), total

    async def for_event(self, event_id: str) -> Sequence[models.Delivery]:
        rows = await self.session.scalars(
            select(models.Delivery)
            .where(models.Delivery.event_id == event_id)
            .order_by(models.Delivery.channel, models.Delivery.recipient)
        )
        return rows.all()
