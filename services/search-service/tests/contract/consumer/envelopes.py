"""The envelope every event travels in (shopkit.messaging.Envelope), as a Pact body: the event
type is pinned exactly, the envelope's other required fields by type."""

from __future__ import annotations

from typing import Any

from pact import match
from shopkit.messaging import Envelope, decode_envelope


def envelope_body(event_type: str, producer: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": match.like("01936d1c-4a00-7c3e-9d2a-5a1b2c3d4e5f"),
        "type": event_type,
        "version": match.integer(1),
        "occurred_at": match.like("2026-11-25T10:00:00.000000Z"),
        "producer": match.like(producer),
        "payload": payload,
    }


def as_envelope(body: str | bytes | None) -> Envelope:
    """The message as our consumers receive it from the broker."""
    assert body is not None, "the message has no body"
    return decode_envelope(body.encode() if isinstance(body, str) else body)
