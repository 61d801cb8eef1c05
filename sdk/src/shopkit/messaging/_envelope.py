"""The event envelope every Shopkit event travels in, and the `Event` base for payloads.

The envelope is the unit of the outbox, the broker message body and the inbox key: its `id`
is the deduplication key, its `type` (`<domain>.<entity>.<past-tense>.v<major>`) is the routing
key. Payloads are kept as raw JSON so a consumer decodes them into its own minimal Struct
(tolerant reader: fields it does not know are ignored).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import msgspec

from shopkit.context import request_id_var
from shopkit.messaging._tracing import current_trace_context

__all__ = [
    "Envelope",
    "Event",
    "InvalidEventTypeError",
    "decode_envelope",
    "encode_envelope",
    "envelope_for",
    "new_event_id",
    "payload_as",
]

P = TypeVar("P")

EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v([1-9][0-9]*)$")


def _uuid7_factory() -> Callable[[], uuid.UUID]:
    """Time-ordered ids (uuid7) when the runtime offers them, uuid4 otherwise."""
    stdlib = getattr(uuid, "uuid7", None)
    if stdlib is not None:
        return stdlib  # type: ignore[no-any-return]
    try:
        from uuid_utils.compat import uuid7  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return uuid.uuid4
    return uuid7  # type: ignore[no-any-return,unused-ignore]


_new_uuid = _uuid7_factory()


def new_event_id() -> str:
    return str(_new_uuid())


class InvalidEventTypeError(ValueError):
    """An event type that does not follow `<domain>.<entity>.<past-tense>.v<major>`."""


def major_version(event_type: str) -> int:
    match = EVENT_TYPE_PATTERN.match(event_type)
    if match is None:
        raise InvalidEventTypeError(
            f"event type {event_type!r} must look like '<domain>.<entity>.<past-tense>.v<major>',"
            " e.g. 'order.placed.v1'"
        )
    return int(match.group(2))


class Event(msgspec.Struct, frozen=True):
    """Base of every event payload; a subclass names its type once, with its major version.

    `class OrderPlaced(Event, frozen=True): event_type = "order.placed.v1"`
    """

    event_type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is not None:
            major_version(event_type)


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """What goes on the wire: metadata every consumer can rely on, plus the raw payload."""

    id: str
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str | None = None
    trace_context: dict[str, str] = msgspec.field(default_factory=dict)
    payload: msgspec.Raw = msgspec.Raw(b"{}")


def envelope_for(
    event: Event,
    producer: str,
    correlation_id: str | None = None,
    *,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap `event`: a new id, the time, the active span's trace context and the request id."""
    event_type = getattr(type(event), "event_type", None)
    if not isinstance(event_type, str):
        raise InvalidEventTypeError(f"{type(event).__name__} does not declare `event_type`")
    return Envelope(
        id=new_event_id(),
        type=event_type,
        version=major_version(event_type),
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        correlation_id=correlation_id if correlation_id is not None else request_id_var.get(),
        trace_context=current_trace_context(),
        payload=msgspec.Raw(msgspec.json.encode(event)),
    )


def payload_as(envelope: Envelope, payload_type: type[P]) -> P:
    """Decode the payload into the consumer's own type; unknown fields are ignored."""
    return msgspec.json.decode(envelope.payload, type=payload_type)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode_envelope(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode_envelope(data: bytes | bytearray | memoryview) -> Envelope:
    """Parse a message body; raises `msgspec.ValidationError`/`DecodeError` on a bad one."""
    return _decoder.decode(data)
