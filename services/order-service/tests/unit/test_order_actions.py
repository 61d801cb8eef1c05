"""What a caller may ask of an order (`actions`): the state machine and the caller's role, so
the admin and the storefront offer exactly what order-service will accept."""

from __future__ import annotations

import pytest
from shopkit.auth import Principal

from order_service.db import models
from order_service.domain.orders.services import actions_for

pytestmark = pytest.mark.unit

ADMIN = Principal(subject="admin-1", roles=frozenset({"admin"}))
CUSTOMER = Principal(subject="customer-1", roles=frozenset({"customer"}))


@pytest.mark.parametrize(
    ("status", "admin", "customer"),
    [
        ("pending", ["cancel"], ["cancel"]),
        ("awaiting_payment", ["cancel"], ["cancel"]),
        ("confirmed", ["cancel", "ship"], ["cancel"]),
        ("shipped", [], []),
        ("delivered", [], []),
        ("cancelled", [], []),
        ("refunded", [], []),
    ],
)
def test_actions_follow_the_status_and_the_role(
    status: str, admin: list[str], customer: list[str]
) -> None:
    order = models.Order(status=status, customer_id="customer-1")
    assert actions_for(ADMIN, order) == admin
    assert actions_for(CUSTOMER, order) == customer
