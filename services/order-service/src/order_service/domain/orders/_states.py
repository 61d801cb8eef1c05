"""The order state machine: which status may follow which, and nothing else.

Every change of status goes through `check_transition`, so an illegal move (shipping a cancelled
order, cancelling a shipped one) is refused the same way from HTTP, from an event or from the
sweeper.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from shopkit.errors import ConflictError, InvalidParam


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    AWAITING_PAYMENT = "awaiting_payment"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class SagaStep(enum.StrEnum):
    """Where the checkout saga stands; with the status it tells what the order waits for."""

    RESERVE_STOCK = "reserve_stock"  # placed; waiting for inventory.reserved / _failed
    # payment.succeeded came first; confirm as soon as the reservation arrives
    PAID_AWAITING_RESERVATION = "paid_awaiting_reservation"
    COLLECT_PAYMENT = "collect_payment"  # reserved; waiting for payment.succeeded / _failed
    COMPLETED = "completed"  # confirmed: stock committed, money taken
    COMPENSATED = "compensated"  # cancelled: stock released (or never reserved)


S = OrderStatus
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        S.PENDING: frozenset({S.AWAITING_PAYMENT, S.CONFIRMED, S.CANCELLED}),
        S.AWAITING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED}),
        S.CONFIRMED: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
        S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
        S.DELIVERED: frozenset({S.REFUNDED}),
        # A cancelled order whose money was taken (paid, then cancelled) can still be refunded.
        S.CANCELLED: frozenset({S.REFUNDED}),
        S.REFUNDED: frozenset(),
    }
)
# Before shipping, a customer may still change their mind.
CANCELLABLE: frozenset[OrderStatus] = frozenset({S.PENDING, S.AWAITING_PAYMENT, S.CONFIRMED})
# Still waiting for stock or money: the sweeper cancels these when their time is up.
IN_CHECKOUT: frozenset[OrderStatus] = frozenset({S.PENDING, S.AWAITING_PAYMENT})
# The money of these counts as revenue (less what was refunded).
REVENUE: frozenset[OrderStatus] = frozenset({S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.REFUNDED})
# Stock was committed to the customer: a full refund puts it back.
STOCK_COMMITTED: frozenset[OrderStatus] = frozenset({S.CONFIRMED, S.SHIPPED, S.DELIVERED})


class IllegalTransitionError(ConflictError):
    code = "illegal-status-transition"

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        reason = f"an order that is {current} cannot become {target}"
        super().__init__(
            f"status: {reason}.", invalid_params=[InvalidParam(name="status", reason=reason)]
        )
        self.current = current
        self.target = target


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise `IllegalTransitionError` (409 naming `status`) unless `target` may follow."""
    if not can_transition(current, target):
        raise IllegalTransitionError(current, target)
