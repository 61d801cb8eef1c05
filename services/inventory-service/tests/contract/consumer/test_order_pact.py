"""inventory-service's pact with order-service, in one pact file,
`contracts/pacts/inventory-service-order-service.json`, which order-service verifies: the saga
events the handlers read (the envelope as delivered and, in its payload, the order id; for
`order.placed` the lines and the reservation TTL; for `order.refunded` `restock` and the lines).

One Pact object for the pair (a second would overwrite the file), written once after our real
decoding has read every message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from pact import Pact, match
from shopkit.messaging import decode_envelope, payload_as
from shopkit.testing import message_pact

from inventory_service.events.handlers import OrderPlaced, OrderRef, OrderRefunded

pytestmark = pytest.mark.contract

PRODUCER = "order-service"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ORDER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000a001"
SKU = "TEE-RED-M"


ORDER = {"order_id": match.regex(ORDER_ID, regex=UUID)}
LINES = match.each_like({"sku": match.str(SKU), "quantity": match.integer(2)}, min=1)
MESSAGES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "an order.placed event",
        "order.placed.v1",
        {**ORDER, "lines": LINES, "reservation_ttl_seconds": match.integer(900)},
    ),
    ("an order.confirmed event", "order.confirmed.v1", ORDER),
    ("an order.cancelled event", "order.cancelled.v1", ORDER),
    (
        "an order.refunded event",
        "order.refunded.v1",
        {**ORDER, "restock": match.bool(True), "lines": LINES},
    ),
]
READERS: dict[str, type[msgspec.Struct]] = {
    "order.placed.v1": OrderPlaced,
    "order.confirmed.v1": OrderRef,
    "order.cancelled.v1": OrderRef,
    "order.refunded.v1": OrderRefunded,
}


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    with message_pact("inventory-service", PRODUCER, MESSAGES) as pact:
        yield pact


def read_as_the_handlers_do(body: str | bytes | None, _metadata: dict[str, object]) -> None:
    """What a delivery goes through: the envelope decoded and its payload read by the handler's
    own Struct (`payload_as`), with what the handler acts on present."""
    assert body is not None
    delivered = decode_envelope(body.encode() if isinstance(body, str) else body)
    read = payload_as(delivered, READERS[delivered.type])
    assert delivered.id
    assert read.order_id  # type: ignore[attr-defined]
    if isinstance(read, OrderPlaced):
        assert read.lines
        assert all(line.sku and line.quantity > 0 for line in read.lines)
        assert read.reservation_ttl_seconds is not None
        assert read.reservation_ttl_seconds > 0
    if isinstance(read, OrderRefunded):
        assert isinstance(read.restock, bool)
        assert all(line.sku and line.quantity > 0 for line in read.lines)


def test_order_events_carry_what_inventory_reads(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")
