"""notification-service's pact with order-service
(`contracts/pacts/notification-service-order-service.json`):
the order summary events it mails the customer about (address and name included, so no lookup)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pact import Pact, match
from reading import describe_messages, money, pact_for, read_as_the_handlers_do

pytestmark = pytest.mark.contract

PRODUCER = "order-service"
SUMMARY = {
    "order_id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f10"),
    "customer_id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f00"),
    "customer_email": match.regex("ada@example.com", regex=r"^[^@\s]+@[^@\s]+$"),
    "customer_name": match.str("Ada Lovelace"),
    "total": money(3998),
    "lines": match.each_like(
        {
            "sku": match.str("TEE-RED-M"),
            "name": match.str("Red tee"),
            "quantity": match.integer(2),
            "unit_price": money(1999),
            "line_total": money(3998),
        },
        min=1,
    ),
    "shipping_address": {
        "name": match.str("Ada Lovelace"),
        "line1": match.str("1 Main Street"),
        "city": match.str("Berlin"),
        "postal_code": match.str("10115"),
        "country": match.str("DE"),
    },
}


def describe(pact: Pact) -> None:
    describe_messages(
        pact,
        PRODUCER,
        [
            ("an order.confirmed event", "order.confirmed.v1", SUMMARY),
            (
                "an order.cancelled event",
                "order.cancelled.v1",
                {**SUMMARY, "reason": match.str("payment_failed")},
            ),
            (
                "an order.shipped event",
                "order.shipped.v1",
                {**SUMMARY, "shipped_at": match.str("2026-11-26T09:00:00Z")},
            ),
        ],
    )


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    yield from pact_for(PRODUCER, describe)


def test_order_events_carry_what_the_customer_emails_need(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")
