"""The events this service publishes (owned here; consumers keep their own tolerant copies).

search-service publishes nothing: it only reads the catalog and stock events."""

from __future__ import annotations

from shopkit.messaging import Event

PUBLISHED: tuple[type[Event], ...] = ()
