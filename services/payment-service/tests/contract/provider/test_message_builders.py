"""The message builders consumers' pacts will be verified with produce real, complete events
(checked here too, so they work before the first consumer pact arrives)."""

from __future__ import annotations

import msgspec
import pytest
from provider_states import MESSAGES
from shopkit.messaging import decode_envelope

from payment_service.config import Settings
from payment_service.events.events import PaymentFailed, PaymentRefunded, PaymentSucceeded

pytestmark = pytest.mark.contract


@pytest.mark.parametrize(
    ("description", "payload_type"),
    [
        ("a payment.succeeded event", PaymentSucceeded),
        ("a payment.failed event", PaymentFailed),
        ("a payment.refunded event", PaymentRefunded),
    ],
)
def test_each_described_message_is_a_real_event(
    settings: Settings, description: str, payload_type: type[msgspec.Struct]
) -> None:
    message = MESSAGES[description](settings)()
    envelope = decode_envelope(message["contents"])
    assert envelope.type == payload_type.event_type  # type: ignore[attr-defined]
    assert message["metadata"]["routing_key"] == envelope.type
    payload = msgspec.json.decode(envelope.payload, type=payload_type)
    assert msgspec.to_builtins(payload)["amount"]["currency"] == "EUR"
    assert envelope.producer == "payment-service"
