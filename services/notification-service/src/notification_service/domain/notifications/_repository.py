"""The delivery log: written once per (event, channel, recipient), claimed for sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from shopkit.db import compile_once
from shopkit.messaging import new_event_id
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert

from notification_service.db import models

# Every column a delivery is queued with; those a caller leaves out are NULL.
_DELIVERY_VALUES = (
    "event_id", "event_type", "user_id", "channel", "recipient", "template", "subject",
    "body_text", "body_html", "status", "attempts", "next_attempt_at",
)  # fmt: skip
_STAMPS = ("id", "created_at", "updated_at")
# Once per message queued (every order event): compiled once, not on every call.
_ADD_ONCE = compile_once(
    insert(models.Delivery)
    .values(
        {
            column: bindparam(column)
            for column in (*_DELIVERY_VALUES, "id", "created_at", "updated_at")
        }
    )
    .on_conflict_do_nothing(constraint="uq_delivery_event_channel_to")
    .returning(models.Delivery.id)
)


class DeliveryRepository(SQLAlchemyAsyncRepository[models.Delivery]):
    model_type = models.Delivery

    async def flush(self) -> None:
        """Write what changed now (the row stays locked in this transaction)."""
        await self.session.flush()

    async def locked(self, delivery_id: Any) -> models.Delivery | None:
        """The delivery as it is now, locked for this transaction."""
        return await self.session.get(
            models.Delivery, delivery_id, with_for_update=True, populate_existing=True
        )

    async def add_once(self, **values: Any) -> bool:
        """Queue a message unless this event already queued it for this address; True if new."""
        now = datetime.now(UTC)
        row = {column: None for column in _DELIVERY_VALUES} | values
        row |= {"id": UUID(new_event_id()), "created_at": now, "updated_at": now}
        added = await self.session.scalar(_ADD_ONCE, row)
        return added is not None

    async def claim_due(self, now: datetime) -> models.Delivery | None:
        """The next message due (queued, failed with a retry time passed, or left `sending` by
        a process that died before recording the outcome), locked so no other replica claims
        it at the same time."""
        due: models.Delivery | None = await self.session.scalar(
            select(models.Delivery)
            .where(
                models.Delivery.status.in_((models.QUEUED, models.FAILED, models.SENDING)),
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
