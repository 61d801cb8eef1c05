"""notification-service's pact with payment-service
(`contracts/pacts/notification-service-payment-service.json`):
the refund event; it names the customer by id only (the address comes from earlier events)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pact import Pact, match
from reading import describe_messages, money, pact_for, read_as_the_handlers_do

pytestmark = pytest.mark.contract

PRODUCER = "payment-service"


def describe(pact: Pact) -> None:
    describe_messages(
        pact,
        PRODUCER,
        [
            (
                "a payment.refunded event",
                "payment.refunded.v1",
                {
                    "order_id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f10"),
                    "customer_id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f00"),
                    "amount": money(1000),
                    "refunded_total": money(1000),
                },
            )
        ],
    )


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    yield from pact_for(PRODUCER, describe)


def test_refund_events_carry_what_the_refund_email_needs(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")
