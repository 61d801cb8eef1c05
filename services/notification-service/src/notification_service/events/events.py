"""The events this service publishes (owned here; consumers keep their own tolerant copies)."""

from __future__ import annotations

from shopkit.messaging import Event


class RecordCreated(Event, frozen=True):
    event_type = "notification.record.created.v1"

    id: str
    name: str


class RecordDeleted(Event, frozen=True):
    event_type = "notification.record.deleted.v1"

    id: str


PUBLISHED: tuple[type[Event], ...] = (RecordCreated, RecordDeleted)
