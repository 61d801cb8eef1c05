from __future__ import annotations

import uuid
from datetime import UTC

import msgspec
import pytest
from opentelemetry.sdk.trace import TracerProvider
from shopkit.context import request_id_var
from shopkit.messaging import (
    Envelope,
    Event,
    InvalidEventTypeError,
    decode_envelope,
    encode_envelope,
    envelope_for,
    payload_as,
)

pytestmark = pytest.mark.unit


class OrderLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class OrderPlaced(Event, frozen=True):
    event_type = "order.placed.v1"

    order_id: str
    lines: list[OrderLine]
    note: str | None = None


class OrderPlacedForInventory(msgspec.Struct, frozen=True):
    """What the inventory service keeps of the event: a subset (tolerant reader)."""

    order_id: str
    lines: list[OrderLine]


def placed() -> OrderPlaced:
    return OrderPlaced(order_id="o-1", lines=[OrderLine(sku="SKU-1", quantity=2)], note="gift")


def test_envelope_carries_type_version_producer_and_a_fresh_uuid() -> None:
    first = envelope_for(placed(), "order-service")
    second = envelope_for(placed(), "order-service")

    assert first.type == "order.placed.v1"
    assert first.version == 1
    assert first.producer == "order-service"
    assert first.occurred_at.tzinfo is UTC
    assert uuid.UUID(first.id) != uuid.UUID(second.id)


def test_consumer_reads_its_own_subset_of_the_payload() -> None:
    envelope = decode_envelope(encode_envelope(envelope_for(placed(), "order-service")))

    assert payload_as(envelope, OrderPlacedForInventory) == OrderPlacedForInventory(
        order_id="o-1", lines=[OrderLine(sku="SKU-1", quantity=2)]
    )
    assert payload_as(envelope, OrderPlaced) == placed()


def test_wire_format_is_plain_json_with_the_payload_inline() -> None:
    envelope = envelope_for(placed(), "order-service", correlation_id="req-1")

    wire = msgspec.json.decode(encode_envelope(envelope))

    assert wire["type"] == "order.placed.v1"
    assert wire["correlation_id"] == "req-1"
    assert wire["payload"]["lines"] == [{"sku": "SKU-1", "quantity": 2}]


def test_envelope_from_a_newer_producer_with_unknown_fields_still_decodes() -> None:
    wire = msgspec.json.decode(encode_envelope(envelope_for(placed(), "order-service")))
    wire["schema_hint"] = "added later"
    wire["payload"]["loyalty_points"] = 10

    envelope = decode_envelope(msgspec.json.encode(wire))

    assert isinstance(envelope, Envelope)
    assert payload_as(envelope, OrderPlacedForInventory).order_id == "o-1"


def test_correlation_id_defaults_to_the_current_request_id() -> None:
    token = request_id_var.set("req-42")
    try:
        assert envelope_for(placed(), "order-service").correlation_id == "req-42"
        assert envelope_for(placed(), "order-service", "explicit").correlation_id == "explicit"
    finally:
        request_id_var.reset(token)
    assert envelope_for(placed(), "order-service").correlation_id is None


def test_trace_context_is_taken_from_the_active_span() -> None:
    tracer = TracerProvider().get_tracer("test")

    assert envelope_for(placed(), "order-service").trace_context == {}
    with tracer.start_as_current_span("checkout") as span:
        envelope = envelope_for(placed(), "order-service")

    trace_id = format(span.get_span_context().trace_id, "032x")
    assert envelope.trace_context["traceparent"].split("-")[1] == trace_id


@pytest.mark.parametrize(
    "event_type", ["OrderPlaced", "order.placed", "order.placed.v0", "Order.Placed.v1", "order..v1"]
)
def test_event_types_must_be_dotted_lowercase_with_a_major_version(event_type: str) -> None:
    with pytest.raises(InvalidEventTypeError):
        type("Bad", (Event,), {"event_type": event_type, "__module__": __name__})


def test_event_without_a_type_cannot_be_wrapped() -> None:
    class Untyped(Event, frozen=True):
        value: int

    with pytest.raises(InvalidEventTypeError):
        envelope_for(Untyped(value=1), "order-service")


def test_two_segment_names_from_the_catalog_are_valid() -> None:
    class PriceChanged(Event, frozen=True):
        event_type = "price.changed.v2"

    assert envelope_for(PriceChanged(), "product-service").version == 2
