"""The events this service publishes (owned here; consumers keep their own tolerant copies).
Payloads as agreed in contracts/events/README.md."""

from __future__ import annotations

from shopkit.messaging import Event
from shopkit.money import Money


class PaymentSucceeded(Event, frozen=True):
    event_type = "payment.succeeded.v1"

    payment_id: str
    order_id: str
    amount: Money
    provider: str
    provider_reference: str


class PaymentFailed(Event, frozen=True):
    event_type = "payment.failed.v1"

    payment_id: str
    order_id: str
    amount: Money
    reason: str
    decline_code: str | None = None


class PaymentRefunded(Event, frozen=True):
    event_type = "payment.refunded.v1"

    payment_id: str
    order_id: str
    refund_id: str
    amount: Money
    refunded_total: Money
    customer_id: str


PUBLISHED: tuple[type[Event], ...] = (PaymentSucceeded, PaymentFailed, PaymentRefunded)
