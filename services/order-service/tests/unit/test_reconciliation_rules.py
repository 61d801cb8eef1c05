"""What the reconciliation takes for a discrepancy between the ledgers, and which repair it
chooses: the rules in domain/reconciliation/_findings.py, one case per row of its table."""

from __future__ import annotations

import uuid

import pytest
from shopkit.money import Money

from order_service.domain.reconciliation._findings import (
    Action,
    Kind,
    OrderView,
    judge_payment,
    judge_reservation,
    order_uuid,
)
from order_service.domain.reconciliation._ledgers import PaymentFact, ReservationFact

pytestmark = pytest.mark.unit

ORDER_ID = uuid.UUID("0193a5b2-7c1d-7e4f-9a10-00000000a001")
PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b001"
RESERVATION_ID = "0193a5b2-7c1d-7e4f-9a10-00000000d001"


def order(status: str, saga_step: str = "collect_payment") -> OrderView:
    return OrderView(
        id=ORDER_ID,
        status=status,
        saga_step=saga_step,
        payment_id=PAYMENT_ID,
        reservation_id=RESERVATION_ID,
        currency="EUR",
        total=54900,
    )


def payment(
    status: str = "succeeded", amount: Money = Money(54900, "EUR"), payment_id: str = PAYMENT_ID
) -> PaymentFact:
    return PaymentFact(id=payment_id, order_id=str(ORDER_ID), status=status, amount=amount)


def reservation(status: str) -> ReservationFact:
    return ReservationFact(reservation_id=RESERVATION_ID, order_id=str(ORDER_ID), status=status)


@pytest.mark.parametrize(
    ("the_order", "the_payment", "expected"),
    [
        # the order never heard that its payment succeeded
        (order("awaiting_payment"), payment(), (Kind.PAYMENT_NOT_APPLIED, Action.APPLY_PAYMENT)),
        (
            order("pending", "reserve_stock"),
            payment(),
            (Kind.PAYMENT_NOT_APPLIED, Action.APPLY_PAYMENT),
        ),
        # heard it, and waits for its stock: nothing lost
        (order("pending", "paid_awaiting_reservation"), payment(), None),
        # money kept although the order ended cancelled
        (order("cancelled", "compensated"), payment(), (Kind.MONEY_KEPT, Action.REFUND)),
        # someone else's payment, or not the order's total
        (
            order("confirmed", "completed"),
            payment(payment_id="0193a5b2-7c1d-7e4f-9a10-00000000beef"),
            (Kind.PAYMENT_NOT_ACCEPTED, Action.REFUND),
        ),
        (
            order("awaiting_payment"),
            payment(amount=Money(54899, "EUR")),
            (Kind.PAYMENT_NOT_ACCEPTED, Action.REFUND),
        ),
        # a payment for an order that does not exist
        (None, payment(), (Kind.PAYMENT_WITHOUT_ORDER, Action.REFUND)),
        # all is as it should be
        (order("confirmed", "completed"), payment(), None),
        (order("shipped", "completed"), payment(), None),
        # not captured: nothing to repair here (the checkout's own timeout ends the order)
        (order("awaiting_payment"), payment(status="failed"), None),
        (order("cancelled", "compensated"), payment(status="refunded"), None),
    ],
)
def test_a_succeeded_payment_against_its_order(
    the_order: OrderView | None,
    the_payment: PaymentFact,
    expected: tuple[Kind, Action] | None,
) -> None:
    finding = judge_payment(the_order, the_payment)
    assert (None if finding is None else (finding.kind, finding.action)) == expected
    if finding is not None:
        assert the_payment.id in finding.detail


@pytest.mark.parametrize(
    ("the_order", "status", "expected"),
    [
        (None, "active", (Kind.RESERVATION_WITHOUT_LIVE_ORDER, Action.RELEASE)),
        (
            order("cancelled", "compensated"),
            "active",
            (Kind.RESERVATION_WITHOUT_LIVE_ORDER, Action.RELEASE),
        ),
        (
            order("refunded", "compensated"),
            "active",
            (Kind.RESERVATION_WITHOUT_LIVE_ORDER, Action.RELEASE),
        ),
        (order("confirmed", "completed"), "active", (Kind.STOCK_NOT_COMMITTED, Action.COMMIT)),
        (order("delivered", "completed"), "active", (Kind.STOCK_NOT_COMMITTED, Action.COMMIT)),
        # still in checkout: its reservation is meant to be held
        (order("awaiting_payment"), "active", None),
        (order("pending", "reserve_stock"), "active", None),
        # a confirmed order whose units went back on sale: only an admin can decide
        (order("confirmed", "completed"), "released", (Kind.CONFIRMED_WITHOUT_STOCK, Action.NONE)),
        (order("confirmed", "completed"), "committed", None),
        (order("cancelled", "compensated"), "released", None),
    ],
)
def test_a_reservation_against_its_order(
    the_order: OrderView | None, status: str, expected: tuple[Kind, Action] | None
) -> None:
    finding = judge_reservation(the_order, reservation(status))
    assert (None if finding is None else (finding.kind, finding.action)) == expected


def test_an_order_id_that_cannot_be_ours_is_no_order() -> None:
    assert order_uuid(str(ORDER_ID)) == ORDER_ID
    assert order_uuid("order-1234") is None
