"""What the dashboard reads: today's orders and revenue, low stock, failed payments.

Each is built from the public API only, with independent calls made concurrently.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import msgspec
from shopkit.money import Money

from admin.gateway import Api, ApiError


class CurrencyDay(msgspec.Struct, kw_only=True):
    currency: str
    orders: int = 0
    paid_orders: int = 0
    revenue: int = 0  # minor units: paid order totals minus what was refunded

    @property
    def revenue_money(self) -> Money:
        return Money(self.revenue, self.currency)


class OrdersToday(msgspec.Struct, kw_only=True):
    since: datetime
    by_currency: list[CurrencyDay]
    count: int


def start_of_day(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def orders_today(api: Api, now: datetime | None = None) -> OrdersToday:
    """Today's orders and revenue per currency, as order-service sums them (its rules of what
    counts as paid; one call however many orders there were)."""
    since = start_of_day(now)
    summary = await api.get("/api/orders/summary", since=since.isoformat())
    days = [
        CurrencyDay(
            currency=str(day["currency"]),
            orders=int(day["orders"]),
            paid_orders=int(day["paid_orders"]),
            revenue=int(day["revenue"]["amount"]),
        )
        for day in summary.get("by_currency", [])
    ]
    return OrdersToday(since=since, by_currency=days, count=sum(day.orders for day in days))


async def all_skus(api: Api) -> list[str]:
    """Every SKU of every active product (the listing is read 100 at a time, concurrently)."""
    first = await api.get("/api/products", limit=100, offset=0, status="active")
    rest = await asyncio.gather(
        *(
            api.get("/api/products", limit=100, offset=offset, status="active")
            for offset in range(100, int(first.get("total", 0)), 100)
        )
    )
    return [
        variant["sku"]
        for chunk in (first, *rest)
        for product in chunk.get("items", [])
        for variant in product.get("variants", [])
    ]


async def low_stock(api: Api, threshold: int) -> list[dict[str, Any]]:
    """SKUs whose availability is at or below `threshold`, lowest first.

    inventory-service lists stock only for SKUs it is asked about (100 at a time) and does not
    return per-SKU thresholds there, so the SKUs come from the catalog and the threshold from
    this app's settings.
    """
    skus = await all_skus(api)
    chunks = [skus[i : i + 100] for i in range(0, len(skus), 100)]
    levels = await asyncio.gather(
        *(api.get("/api/inventory", skus=",".join(chunk)) for chunk in chunks)
    )
    low = [
        item
        for level in levels
        for item in level.get("items", [])
        if int(item.get("available", 0)) <= threshold
    ]
    return sorted(low, key=lambda item: (int(item["available"]), item["sku"]))


class FailedPayments(msgspec.Struct, kw_only=True):
    items: list[dict[str, Any]]
    unavailable: str | None = None


async def failed_payments(api: Api, limit: int = 10) -> FailedPayments:
    """The most recent failed payments (payment-service's admin list, newest first)."""
    try:
        page = await api.get("/api/payments", status="failed", limit=limit)
    except ApiError as exc:
        return FailedPayments(items=[], unavailable=exc.message)
    return FailedPayments(items=page.get("items", []))


def since_label(since: datetime) -> str:
    return f"since {since:%Y-%m-%d %H:%M} UTC"


__all__ = [
    "FailedPayments",
    "OrdersToday",
    "failed_payments",
    "low_stock",
    "orders_today",
    "since_label",
    "start_of_day",
]
