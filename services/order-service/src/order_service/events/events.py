"""The events this service publishes (owned here; consumers keep their own tolerant copies).

Payloads follow contracts/events/README.md: `order.placed.v1` starts the saga at inventory;
the *Order summary* events tell inventory (commit / release) and notification-service what
happened; `order.refunded.v1` tells inventory whether to put the stock back;
`order.payment_rejected.v1` tells payment-service to give back a payment that did not pay for
the order.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from shopkit.messaging import Event
from shopkit.money import Money


class StockLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class SummaryLine(msgspec.Struct, frozen=True):
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


class Address(msgspec.Struct, frozen=True):
    name: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


class OrderPlaced(Event, frozen=True, kw_only=True):
    event_type = "order.placed.v1"

    order_id: str
    customer_id: str
    cart_id: str
    lines: list[StockLine]
    currency: str
    total: Money
    reservation_ttl_seconds: int


class OrderSummary(Event, frozen=True, kw_only=True):
    """The fields every order event after placement carries."""

    order_id: str
    customer_id: str
    customer_email: str | None
    customer_name: str
    status: str
    currency: str
    total: Money
    lines: list[SummaryLine]
    shipping_address: Address
    reservation_id: str | None


class OrderConfirmed(OrderSummary, frozen=True, kw_only=True):
    event_type = "order.confirmed.v1"


class OrderCancelled(OrderSummary, frozen=True, kw_only=True):
    event_type = "order.cancelled.v1"

    reason: str


class OrderShipped(OrderSummary, frozen=True, kw_only=True):
    event_type = "order.shipped.v1"

    shipped_at: datetime


class OrderRefunded(Event, frozen=True, kw_only=True):
    event_type = "order.refunded.v1"

    order_id: str
    reservation_id: str | None
    refund: Money
    restock: bool
    lines: list[StockLine]


class OrderPaymentRejected(Event, frozen=True, kw_only=True):
    """A succeeded payment that did not pay for the order (not its own, short, in another
    currency, or after the order was cancelled): payment-service refunds it in full."""

    event_type = "order.payment_rejected.v1"

    order_id: str
    payment_id: str
    reason: str
    amount: Money


PUBLISHED: tuple[type[Event], ...] = (
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    OrderShipped,
    OrderRefunded,
    OrderPaymentRejected,
)
