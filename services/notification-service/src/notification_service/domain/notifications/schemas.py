from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class Notification(msgspec.Struct, kw_only=True):
    """A message sent (or being sent) to the caller."""

    id: UUID
    event_type: str
    template: str
    channel: str
    recipient: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
