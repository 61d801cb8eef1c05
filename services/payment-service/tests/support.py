"""Plain helpers the tests share (a module beside conftest.py, which pytest puts on the path)."""

from __future__ import annotations

from dataclasses import dataclass

from shopkit.messaging import Event

WEBHOOK_SECRET = "whsec_shopkit_test_secret"


@dataclass(frozen=True)
class Customer:
    """A signed-in customer: their id (the token's subject) and the headers they send."""

    id: str
    headers: dict[str, str]


class OrderCancelled(Event, frozen=True):
    """order-service's event, as much of it as payment-service reads (and a bit more)."""

    event_type = "order.cancelled.v1"
    order_id: str
    reason: str
    customer_id: str = ""
    status: str = "cancelled"


class OrderPaymentRejected(Event, frozen=True):
    event_type = "order.payment_rejected.v1"
    order_id: str
    payment_id: str
    reason: str
