"""The events as their producers send them (full payloads, more than this service reads),
built the way producers do: an `Event` Struct wrapped by the SDK's `envelope_for`."""

from __future__ import annotations

import uuid
from typing import Any

from shopkit.messaging import Event


def new_id(hint: str = "user") -> str:
    return f"{hint}-{uuid.uuid4().hex[:12]}"


class UserRegistered(Event, frozen=True):
    event_type = "user.registered.v1"

    user_id: str
    email: str
    name: str


class PasswordResetRequested(Event, frozen=True):
    event_type = "user.password_reset_requested.v1"

    user_id: str
    email: str
    name: str
    reset_token: str
    expires_at: str


class OrderConfirmed(Event, frozen=True):
    event_type = "order.confirmed.v1"

    order_id: str
    customer_id: str
    customer_email: str
    customer_name: str
    status: str
    currency: str
    total: dict[str, Any]
    lines: list[dict[str, Any]]
    shipping_address: dict[str, Any]
    reservation_id: str


class OrderCancelled(OrderConfirmed, frozen=True):
    event_type = "order.cancelled.v1"

    reason: str = "payment_failed"


class OrderShipped(OrderConfirmed, frozen=True):
    event_type = "order.shipped.v1"

    shipped_at: str = "2026-11-25T12:00:00Z"


class PaymentRefunded(Event, frozen=True):
    event_type = "payment.refunded.v1"

    payment_id: str
    order_id: str
    refund_id: str
    amount: dict[str, Any]
    refunded_total: dict[str, Any]
    customer_id: str


class LowStock(Event, frozen=True):
    event_type = "inventory.low_stock.v1"

    sku: str
    available: int
    threshold: int


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def order_fields(
    customer_id: str, email: str, name: str, *, currency: str = "EUR", unit: int = 1999
) -> dict[str, Any]:
    return {
        "order_id": new_id("order"),
        "customer_id": customer_id,
        "customer_email": email,
        "customer_name": name,
        "status": "confirmed",
        "currency": currency,
        "total": money(unit * 2, currency),
        "lines": [
            {
                "sku": "TEE-RED-M",
                "name": "Red tee",
                "quantity": 2,
                "unit_price": money(unit, currency),
                "line_total": money(unit * 2, currency),
            }
        ],
        "shipping_address": {
            "name": name,
            "line1": "1 Main Street",
            "line2": None,
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "reservation_id": new_id("res"),
    }
