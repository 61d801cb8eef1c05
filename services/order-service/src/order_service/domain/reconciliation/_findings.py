"""What a discrepancy between the ledgers is, and what repairs it: pure decisions, no I/O.

Each rule names what a lost (or dead-lettered) event leaves behind:

- `payment_not_applied`: a payment succeeded for an order still in checkout (its
  `payment.succeeded` never arrived). Repair: apply it; the order is confirmed (or waits for
  its stock).
- `money_kept_on_cancelled_order`: the payment of a cancelled order is still captured (its
  `order.cancelled` or `order.payment_rejected` never reached payment-service). Repair: ask
  payment-service again to refund it in full.
- `payment_not_accepted`: a succeeded payment is not the order's own, or not its total.
  Repair: refund it.
- `payment_without_order`: a succeeded payment names an order this service does not have.
  Repair: refund it.
- `reservation_without_live_order`: stock is still held for an order that is cancelled or
  unknown. Repair: release the reservation.
- `stock_not_committed`: stock is still only held for a confirmed order. Repair: commit the
  reservation.
- `confirmed_order_without_stock`: a confirmed order's reservation was released (or is
  missing). No repair: an admin decides (the units may be sold to someone else by now).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from order_service.domain.orders._states import (
    IN_CHECKOUT,
    STOCK_COMMITTED,
    OrderStatus,
    SagaStep,
)
from order_service.domain.orders.services import (
    AMOUNT_MISMATCH,
    FOREIGN_PAYMENT,
    ORDER_CANCELLED,
    payment_refusal,
)
from order_service.domain.reconciliation._ledgers import (
    ACTIVE,
    SUCCEEDED,
    PaymentFact,
    ReservationFact,
)


class Kind(enum.StrEnum):
    PAYMENT_NOT_APPLIED = "payment_not_applied"
    MONEY_KEPT = "money_kept_on_cancelled_order"
    PAYMENT_NOT_ACCEPTED = "payment_not_accepted"
    PAYMENT_WITHOUT_ORDER = "payment_without_order"
    RESERVATION_WITHOUT_LIVE_ORDER = "reservation_without_live_order"
    STOCK_NOT_COMMITTED = "stock_not_committed"
    CONFIRMED_WITHOUT_STOCK = "confirmed_order_without_stock"


class Action(enum.StrEnum):
    APPLY_PAYMENT = "payment_applied"
    REFUND = "refund_requested"
    RELEASE = "reservation_released"
    COMMIT = "reservation_committed"
    NONE = "needs_attention"


@dataclass(frozen=True, slots=True)
class OrderView:
    """The columns of an order the rules read."""

    id: uuid.UUID
    status: str
    saga_step: str
    payment_id: str | None
    reservation_id: str | None
    currency: str
    total: int


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    action: Action
    detail: str


def order_uuid(order_id: str) -> uuid.UUID | None:
    """An order id as another service stores it (text); None when it cannot be one of ours."""
    try:
        return uuid.UUID(order_id)
    except ValueError:
        return None


def judge_payment(order: OrderView | None, payment: PaymentFact) -> Finding | None:
    """A payment payment-service holds as captured, against the order it names."""
    if payment.status != SUCCEEDED:
        return None
    money = f"{payment.amount.amount} {payment.amount.currency}"
    if order is None:
        return Finding(
            Kind.PAYMENT_WITHOUT_ORDER,
            Action.REFUND,
            f"payment {payment.id} of {money} is captured for an order that does not exist",
        )
    refusal = payment_refusal(order, payment.id, payment.amount)
    if refusal == ORDER_CANCELLED:
        return Finding(
            Kind.MONEY_KEPT,
            Action.REFUND,
            f"payment {payment.id} of {money} is still captured; the order is {order.status}",
        )
    if refusal in (FOREIGN_PAYMENT, AMOUNT_MISMATCH):
        why = "not the order's own payment" if refusal == FOREIGN_PAYMENT else "not its total"
        return Finding(
            Kind.PAYMENT_NOT_ACCEPTED,
            Action.REFUND,
            f"payment {payment.id} of {money} is captured but {why}"
            f" (order total {order.total} {order.currency})",
        )
    if (
        OrderStatus(order.status) in IN_CHECKOUT
        and order.saga_step != SagaStep.PAID_AWAITING_RESERVATION
    ):
        return Finding(
            Kind.PAYMENT_NOT_APPLIED,
            Action.APPLY_PAYMENT,
            f"payment {payment.id} of {money} succeeded; the order was still {order.status}",
        )
    return None


def judge_reservation(order: OrderView | None, reservation: ReservationFact) -> Finding | None:
    """A reservation inventory-service still holds (or has closed), against its order."""
    if reservation.status == ACTIVE:
        if order is None:
            return Finding(
                Kind.RESERVATION_WITHOUT_LIVE_ORDER,
                Action.RELEASE,
                f"reservation {reservation.reservation_id} holds stock for an unknown order",
            )
        status = OrderStatus(order.status)
        if status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            return Finding(
                Kind.RESERVATION_WITHOUT_LIVE_ORDER,
                Action.RELEASE,
                f"reservation {reservation.reservation_id} holds stock; the order is {status}",
            )
        if status in STOCK_COMMITTED:
            return Finding(
                Kind.STOCK_NOT_COMMITTED,
                Action.COMMIT,
                f"reservation {reservation.reservation_id} only holds the stock of an order"
                f" that is {status}",
            )
        return None
    if (
        order is not None
        and OrderStatus(order.status) in STOCK_COMMITTED
        and reservation.status != "committed"
    ):
        return Finding(
            Kind.CONFIRMED_WITHOUT_STOCK,
            Action.NONE,
            f"the order is {order.status} but its reservation {reservation.reservation_id}"
            f" was {reservation.status}: its units went back on sale",
        )
    return None


def missing_reservation(order: OrderView) -> Finding:
    return Finding(
        Kind.CONFIRMED_WITHOUT_STOCK,
        Action.NONE,
        f"the order is {order.status} but inventory-service has no reservation for it",
    )
