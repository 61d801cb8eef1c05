"""What the dashboard reads: today's orders and revenue, low stock, failed payments.

Each is built from the public API only, with independent calls made concurrently.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import msgspec
from shopkit.money import Money

from admin.gateway import Api, ApiError

# Orders whose money counts as revenue (paid and not cancelled); refunds are subtracted.
PAID_STATUSES = frozenset({"confirmed", "shipped", "delivered", "refunded"})
# The order list is newest first with no date filter: read pages until yesterday, at most this.
MAX_ORDER_PAGES = 20
ORDER_PAGE = 100


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
    truncated: bool  # more orders today than the pages read


def start_of_day(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _created(order: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(order["created_at"]).replace("Z", "+00:00"))


def summarise_orders(orders: list[dict[str, Any]], since: datetime) -> list[CurrencyDay]:
    """Per currency: orders placed since `since`, and the revenue of the paid ones."""
    days: dict[str, CurrencyDay] = defaultdict(lambda: CurrencyDay(currency=""))
    for order in orders:
        if _created(order) < since:
            continue
        currency = str(order["currency"])
        day = days[currency]
        day.currency = currency
        day.orders += 1
        if order.get("status") in PAID_STATUSES:
            day.paid_orders += 1
            refunded = int((order.get("refunded") or {}).get("amount", 0))
            day.revenue += int(order["total"]["amount"]) - refunded
    return sorted(days.values(), key=lambda d: d.currency)


async def orders_today(api: Api, now: datetime | None = None) -> OrdersToday:
    since = start_of_day(now)
    today: list[dict[str, Any]] = []
    truncated = True
    for index in range(MAX_ORDER_PAGES):
        chunk = await api.get("/api/orders", limit=ORDER_PAGE, offset=index * ORDER_PAGE)
        items = chunk.get("items", [])
        today.extend(order for order in items if _created(order) >= since)
        if len(items) < ORDER_PAGE or (items and _created(items[-1]) < since):
            truncated = False
            break
    return OrdersToday(
        since=since,
        by_currency=summarise_orders(today, since),
        count=len(today),
        truncated=truncated,
    )


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
    "summarise_orders",
]
