"""notification-service's pact with inventory-service
(`contracts/pacts/notification-service-inventory-service.json`):
the low-stock alert it mails to the admins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pact import Pact, match
from reading import describe_messages, pact_for, read_as_the_handlers_do

pytestmark = pytest.mark.contract

PRODUCER = "inventory-service"


def describe(pact: Pact) -> None:
    describe_messages(
        pact,
        PRODUCER,
        [
            (
                "an inventory.low_stock event",
                "inventory.low_stock.v1",
                {
                    "sku": match.str("TEE-RED-M"),
                    "available": match.integer(2),
                    "threshold": match.integer(5),
                },
            )
        ],
    )


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    yield from pact_for(PRODUCER, describe)


def test_low_stock_events_carry_what_the_alert_needs(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")
