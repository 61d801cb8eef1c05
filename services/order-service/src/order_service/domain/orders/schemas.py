"""What the orders API reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from shopkit.money import Money

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")]


class ShippingAddress(msgspec.Struct, forbid_unknown_fields=True):
    name: Text
    line1: Text
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    postal_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    country: CountryCode
    line2: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class OrderCreate(msgspec.Struct, forbid_unknown_fields=True):
    cart_id: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    shipping_address: ShippingAddress
    currency: CurrencyCode


class OrderLine(msgspec.Struct):
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


class StatusChange(msgspec.Struct):
    """One entry of the history; `from` is null for the first one, equal to `to` for a note."""

    from_status: str | None = msgspec.field(name="from")
    to_status: str = msgspec.field(name="to")
    reason: str = ""
    at: datetime | None = None


class Order(msgspec.Struct):
    id: UUID
    status: str
    # What the caller may ask of the order now (`cancel`, `ship`), by its status and their role.
    actions: list[str]
    customer_id: str
    cart_id: str
    currency: str
    exchange_rate: str
    lines: list[OrderLine]
    total: Money
    refunded: Money
    item_count: int
    shipping_address: ShippingAddress
    payment_id: str | None
    reservation_id: str | None
    cancel_reason: str | None
    history: list[StatusChange]
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    shipped_at: datetime | None


class CurrencySummary(msgspec.Struct, kw_only=True):
    """Orders placed in one currency: how many, how many were paid (confirmed, shipped,
    delivered or refunded), and their revenue: paid totals less what was refunded."""

    currency: str
    orders: int
    paid_orders: int
    revenue: Money


class OrderSummary(msgspec.Struct, kw_only=True):
    """Orders placed since `since`, per currency (the admin's dashboard)."""

    since: datetime
    by_currency: list[CurrencySummary]
