"""The messages consumers' pacts are verified against come from the real saga code: each
builder yields the envelope that code staged, with the payload contracts/events/README.md
promises (checked here even before any consumer has written a pact naming order-service)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from provider_states import MESSAGES

from order_service.config import Settings

pytestmark = pytest.mark.contract

SUMMARY = {
    "order_id",
    "customer_id",
    "customer_email",
    "customer_name",
    "status",
    "currency",
    "total",
    "lines",
    "shipping_address",
    "reservation_id",
}
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "an order.placed event": (
        "order.placed.v1",
        {"order_id", "customer_id", "cart_id", "lines", "currency", "total",
         "reservation_ttl_seconds"},
    ),
    "an order.confirmed event": ("order.confirmed.v1", SUMMARY),
    "an order.cancelled event": ("order.cancelled.v1", SUMMARY | {"reason"}),
    "an order.shipped event": ("order.shipped.v1", SUMMARY | {"shipped_at"}),
    "an order.refunded event": (
        "order.refunded.v1",
        {"order_id", "reservation_id", "refund", "restock", "lines"},
    ),
    "an order.payment_rejected event": (
        "order.payment_rejected.v1",
        {"order_id", "payment_id", "reason", "amount"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("description", sorted(EXPECTED))
def test_each_message_is_the_event_the_saga_publishes(settings: Settings, description: str) -> None:
    message = MESSAGES[description](settings)()
    envelope: dict[str, Any] = msgspec.json.decode(message["contents"])
    event_type, fields = EXPECTED[description]
    assert envelope["type"] == event_type
    assert message["metadata"]["routing_key"] == event_type
    assert envelope["producer"] == "order-service"
    payload = envelope["payload"]
    assert set(payload) == fields
    if event_type != "order.placed.v1" and "status" in payload:
        assert payload["status"] == event_type.split(".")[1]
    if event_type == "order.payment_rejected.v1":
        assert payload["reason"] == "foreign_payment"
        assert payload["amount"] == {"amount": 1, "currency": "EUR"}
    if event_type == "order.refunded.v1":
        assert payload["restock"] is True
        assert payload["refund"] == {"amount": 3998, "currency": "EUR"}
