"""payment-service's pact with order-service, in one pact file,
`contracts/pacts/payment-service-order-service.json`, which order-service verifies: the events
whose money payment-service gives back (the envelope as delivered and, in its payload, the order
id; for `order.payment_rejected` the payment id, a UUID, and the reason).

One Pact object for the pair (a second would overwrite the file), written once after our real
decoding has read every message."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pact import Pact, match
from shopkit.messaging import decode_envelope, payload_as
from shopkit.testing import message_pact

from payment_service.events.handlers import READERS, OrderPaymentRejected

pytestmark = pytest.mark.contract

PRODUCER = "order-service"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ORDER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000a001"
PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b001"


ORDER = {"order_id": match.regex(ORDER_ID, regex=UUID)}
MESSAGES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "an order.cancelled event",
        "order.cancelled.v1",
        {**ORDER, "reason": match.str("cancelled_by_customer")},
    ),
    (
        "an order.payment_rejected event",
        "order.payment_rejected.v1",
        {
            **ORDER,
            "payment_id": match.regex(PAYMENT_ID, regex=UUID),
            "reason": match.str("foreign_payment"),
        },
    ),
]


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    with message_pact("payment-service", PRODUCER, MESSAGES) as pact:
        yield pact


def read_as_the_handlers_do(body: str | bytes | None, _metadata: dict[str, object]) -> None:
    """What a delivery goes through: the envelope decoded and its payload read by the handler's
    own Struct (`payload_as`), with what the handler acts on present."""
    assert body is not None
    delivered = decode_envelope(body.encode() if isinstance(body, str) else body)
    read = payload_as(delivered, READERS[delivered.type])
    assert delivered.id
    assert read.order_id  # type: ignore[attr-defined]
    assert read.reason  # type: ignore[attr-defined]
    if isinstance(read, OrderPaymentRejected):
        uuid.UUID(read.payment_id)


def test_order_events_carry_what_payment_service_reads(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")
