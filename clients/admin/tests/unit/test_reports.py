from __future__ import annotations

from datetime import UTC, datetime

import pytest

from admin.controllers.orders import refundable
from admin.reports import start_of_day

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


def test_the_day_starts_at_midnight_utc() -> None:
    assert start_of_day(NOW) == datetime(2026, 12, 2, tzinfo=UTC)


def test_only_a_captured_payment_can_be_refunded_and_only_what_is_left() -> None:
    paid = {"status": "succeeded", "amount": {"amount": 5000}, "refunded": {"amount": 1500}}
    assert refundable({}, paid) == 3500
    assert refundable({}, {**paid, "status": "failed"}) == 0
    assert refundable({}, {**paid, "status": "refunded"}) == 0
    assert refundable({}, None) == 0
