"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too."""

from __future__ import annotations

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata

__all__ = ["InboxMessage", "OutboxMessage", "Record", "metadata"]


class Record(UUIDv7AuditBase):
    """The sample aggregate the template ships; replace it with this service's own."""

    __tablename__ = "record"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
