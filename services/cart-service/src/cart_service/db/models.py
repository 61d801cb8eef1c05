"""This service's tables: only the SDK's outbox and inbox. Carts live in Redis; PostgreSQL is
here so that consuming `order.placed.v1` goes through the inbox (deduplication by event id)."""

from __future__ import annotations

from advanced_alchemy.base import orm_registry
from shopkit.messaging import InboxMessage, OutboxMessage

metadata = orm_registry.metadata

__all__ = ["InboxMessage", "OutboxMessage", "metadata"]
