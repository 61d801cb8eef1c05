"""The events this service publishes (owned here; consumers keep their own tolerant copies).

notification-service is a pure consumer: it announces nothing (yet)."""

from __future__ import annotations

from shopkit.messaging import Event

PUBLISHED: tuple[type[Event], ...] = ()
