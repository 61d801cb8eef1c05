"""The state machine: exactly the moves the transition table allows, every other refused with a
409 that names `status`."""

from __future__ import annotations

import itertools

import pytest

from order_service.domain.orders._states import (
    TRANSITIONS,
    IllegalTransitionError,
    OrderStatus,
    can_transition,
    check_transition,
)

pytestmark = pytest.mark.unit

S = OrderStatus
ALLOWED = {
    (S.PENDING, S.AWAITING_PAYMENT),
    (S.PENDING, S.CONFIRMED),
    (S.PENDING, S.CANCELLED),
    (S.AWAITING_PAYMENT, S.CONFIRMED),
    (S.AWAITING_PAYMENT, S.CANCELLED),
    (S.CONFIRMED, S.SHIPPED),
    (S.CONFIRMED, S.CANCELLED),
    (S.CONFIRMED, S.REFUNDED),
    (S.SHIPPED, S.DELIVERED),
    (S.SHIPPED, S.REFUNDED),
    (S.DELIVERED, S.REFUNDED),
    (S.CANCELLED, S.REFUNDED),
}


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_only_the_listed_transitions_are_allowed(current: S, target: S) -> None:
    assert can_transition(current, target) is ((current, target) in ALLOWED)
    if (current, target) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransitionError) as refused:
            check_transition(current, target)
        assert refused.value.status_code == 409
        assert refused.value.invalid_params is not None
        assert refused.value.invalid_params[0].name == "status"


def test_shipped_orders_cannot_be_cancelled_and_refunded_is_final() -> None:
    assert not can_transition(S.SHIPPED, S.CANCELLED)
    assert TRANSITIONS[S.REFUNDED] == frozenset()
