"""Outbox and inbox tables, on advanced-alchemy's default registry.

They share `advanced_alchemy.base.orm_registry.metadata` with every service model built on
advanced-alchemy's bases, so a service's Alembic autogenerate picks them up as soon as the
service imports `shopkit.messaging`; the tables then live in the service's own database and
migrations, next to the rows whose changes they record.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import AdvancedDeclarativeBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["InboxMessage", "OutboxMessage"]


class _MessagingBase(AdvancedDeclarativeBase):
    __abstract__ = True


class OutboxMessage(_MessagingBase):
    """An event written in the same transaction as the change it announces, until relayed."""

    __tablename__ = "shopkit_outbox"
    __table_args__ = (
        Index(
            "ix_shopkit_outbox_unpublished",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
        Index("ix_shopkit_outbox_published_at", "published_at"),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True, comment="the event id")
    event_type: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary, comment="the encoded envelope")
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)


class InboxMessage(_MessagingBase):
    """One row per (consumer, event) handled: the proof that a delivery was already processed."""

    __tablename__ = "shopkit_inbox"
    __table_args__ = (Index("ix_shopkit_inbox_processed_at", "processed_at"),)

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(255))
    processed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
