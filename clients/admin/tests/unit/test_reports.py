from __future__ import annotations

from datetime import UTC, datetime

import pytest

from admin.controllers.orders import refundable
from admin.reports import start_of_day, summarise_orders

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


def order(status: str, amount: int, currency: str, at: str, refunded: int = 0) -> dict:
    return {
        "status": status,
        "currency": currency,
        "total": {"amount": amount, "currency": currency},
        "refunded": {"amount": refunded, "currency": currency},
        "created_at": at,
    }


def test_today_counts_every_order_and_revenue_only_of_paid_ones_less_refunds() -> None:
    since = start_of_day(NOW)
    assert since == datetime(2026, 12, 2, tzinfo=UTC)
    days = summarise_orders(
        [
            order("confirmed", 1999, "EUR", "2026-12-02T09:00:00Z"),
            order("refunded", 1000, "EUR", "2026-12-02T10:00:00Z", refunded=1000),
            order("shipped", 5000, "EUR", "2026-12-02T11:00:00Z", refunded=500),
            order("cancelled", 7777, "EUR", "2026-12-02T12:00:00Z"),
            order("confirmed", 1500, "JPY", "2026-12-02T13:00:00+00:00"),
            order("confirmed", 9999, "EUR", "2026-12-01T23:59:59Z"),
        ],
        since,
    )
    assert [(d.currency, d.orders, d.paid_orders, d.revenue) for d in days] == [
        ("EUR", 4, 3, 1999 + 0 + 4500),
        ("JPY", 1, 1, 1500),
    ]
    assert days[0].revenue_money.format() == "€64.99"


def test_only_a_captured_payment_can_be_refunded_and_only_what_is_left() -> None:
    paid = {"status": "succeeded", "amount": {"amount": 5000}, "refunded": {"amount": 1500}}
    assert refundable({}, paid) == 3500
    assert refundable({}, {**paid, "status": "failed"}) == 0
    assert refundable({}, {**paid, "status": "refunded"}) == 0
    assert refundable({}, None) == 0
