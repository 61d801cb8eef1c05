"""Which succeeded payment pays for an order, and when a full refund puts the stock back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shopkit.money import Money

from order_service.db import models
from order_service.domain.orders.services import payment_refusal, stock_was_committed

pytestmark = pytest.mark.unit

PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b001"


def order(status: str, *path: str) -> models.Order:
    """An order in memory, in `status`, that went through `path` (statuses) to get there."""
    now = datetime.now(UTC)
    steps = [None, *path]
    history = [
        models.OrderStatusChange(from_status=a, to_status=b, reason="test", at=now)
        for a, b in zip(steps, path, strict=False)
    ]
    return models.Order(
        status=status, payment_id=PAYMENT_ID, total=54900, currency="EUR", history=history
    )


@pytest.mark.parametrize(
    ("payment_id", "amount", "status", "refusal"),
    [
        (PAYMENT_ID, Money(54900, "EUR"), "awaiting_payment", None),
        (PAYMENT_ID, Money(54900, "EUR"), "pending", None),
        (PAYMENT_ID, Money(54900, "EUR"), "confirmed", None),  # a repeat: changes nothing
        (PAYMENT_ID, Money(1, "EUR"), "awaiting_payment", "amount_mismatch"),
        (PAYMENT_ID, Money(54899, "EUR"), "awaiting_payment", "amount_mismatch"),
        (PAYMENT_ID, Money(54901, "EUR"), "awaiting_payment", "amount_mismatch"),
        (PAYMENT_ID, Money(54900, "USD"), "awaiting_payment", "amount_mismatch"),
        ("another-payment", Money(54900, "EUR"), "awaiting_payment", "foreign_payment"),
        ("another-payment", Money(1, "EUR"), "confirmed", "foreign_payment"),
        (PAYMENT_ID, Money(54900, "EUR"), "cancelled", "order_cancelled"),
        (PAYMENT_ID, Money(54900, "EUR"), "refunded", "order_cancelled"),
    ],
)
def test_only_the_orders_own_payment_for_its_exact_total_pays_for_it(
    payment_id: str, amount: Money, status: str, refusal: str | None
) -> None:
    assert payment_refusal(order(status, status), payment_id, amount) == refusal


@pytest.mark.parametrize(
    ("path", "committed"),
    [
        (("pending", "awaiting_payment", "confirmed"), True),
        (("pending", "awaiting_payment", "confirmed", "shipped"), True),
        (("pending", "awaiting_payment", "confirmed", "cancelled"), True),
        (("pending", "awaiting_payment", "cancelled"), False),
        (("pending", "cancelled"), False),
    ],
)
def test_stock_comes_back_when_the_order_was_ever_confirmed(
    path: tuple[str, ...], committed: bool
) -> None:
    assert stock_was_committed(order(path[-1], *path)) is committed
