"""This service's own tolerant readers of the events it consumes: only the fields a message
uses, everything else ignored (the pacts in contracts/pacts pin them with each producer)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from shopkit.money import Money


class UserRegistered(msgspec.Struct, frozen=True):
    """`user.registered.v1`."""

    user_id: str
    email: str
    name: str


class PasswordResetRequested(msgspec.Struct, frozen=True):
    """`user.password_reset_requested.v1`."""

    user_id: str
    email: str
    name: str
    reset_token: str
    expires_at: datetime


class OrderLine(msgspec.Struct, frozen=True):
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


class ShippingAddress(msgspec.Struct, frozen=True):
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None


class OrderSummary(msgspec.Struct, frozen=True):
    """`order.confirmed.v1`, and the common part of `order.cancelled.v1`/`order.shipped.v1`."""

    order_id: str
    customer_id: str
    customer_email: str
    customer_name: str
    total: Money
    lines: list[OrderLine] = msgspec.field(default_factory=list)
    shipping_address: ShippingAddress | None = None


class OrderCancelled(OrderSummary, frozen=True):
    """`order.cancelled.v1`."""

    reason: str = ""


class OrderShipped(OrderSummary, frozen=True):
    """`order.shipped.v1`."""

    shipped_at: str | None = None


class PaymentRefunded(msgspec.Struct, frozen=True):
    """`payment.refunded.v1`: only the customer's id, so the address comes from `recipient`."""

    order_id: str
    customer_id: str
    amount: Money
    refunded_total: Money


class LowStock(msgspec.Struct, frozen=True):
    """`inventory.low_stock.v1`."""

    sku: str
    available: int
    threshold: int


READERS: dict[str, type[msgspec.Struct]] = {
    "user.registered.v1": UserRegistered,
    "user.password_reset_requested.v1": PasswordResetRequested,
    "order.confirmed.v1": OrderSummary,
    "order.cancelled.v1": OrderCancelled,
    "order.shipped.v1": OrderShipped,
    "payment.refunded.v1": PaymentRefunded,
    "inventory.low_stock.v1": LowStock,
}
