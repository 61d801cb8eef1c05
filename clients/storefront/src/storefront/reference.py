"""Categories and currencies: read on almost every page, changed rarely, so kept for a minute
per process (a stale copy is used while the API is down, rather than no navigation at all)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from storefront.api import ShopApi
from storefront.gateway import ServiceUnavailable
from storefront.money import SUPPORTED_CURRENCIES

FALLBACK_CURRENCIES: list[dict[str, Any]] = [
    {"code": code, "exponent": 0 if code == "JPY" else 2} for code in SUPPORTED_CURRENCIES
]


RETRY_SECONDS = 5.0


class _Entry:
    def __init__(self) -> None:
        self.value: Any = None
        self.fetched_at = float("-inf")
        self.lock = asyncio.Lock()


class ReferenceData:
    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self._ttl = ttl_seconds
        self._entries = {"categories": _Entry(), "currencies": _Entry()}

    async def categories(self, api: ShopApi, *, required: bool = False) -> list[dict[str, Any]]:
        """`required`: the page cannot do without them (a category page), so an API that is
        down and no copy kept raise `ServiceUnavailable` instead of giving an empty list."""

        async def fetch() -> list[dict[str, Any]]:
            return list((await api.get("/api/categories")).get("items", []))

        return await self._get("categories", fetch, None if required else [])

    async def currencies(self, api: ShopApi) -> list[dict[str, Any]]:
        async def fetch() -> list[dict[str, Any]]:
            items = (await api.get("/api/currencies")).get("items", [])
            order = {code: i for i, code in enumerate(SUPPORTED_CURRENCIES)}
            return sorted(items, key=lambda c: (order.get(c["code"], 99), c["code"]))

        return await self._get("currencies", fetch, FALLBACK_CURRENCIES)

    def cached_categories(self) -> list[dict[str, Any]]:
        """Whatever is known, without asking the API (for error pages)."""
        return self._entries["categories"].value or []

    def cached_currencies(self) -> list[dict[str, Any]]:
        return self._entries["currencies"].value or FALLBACK_CURRENCIES

    async def _get(self, name: str, fetch: Callable[[], Awaitable[Any]], fallback: Any) -> Any:
        entry = self._entries[name]
        if time.monotonic() - entry.fetched_at < self._ttl:
            return entry.value
        async with entry.lock:  # one refresh at a time; the others wait and reuse it
            if time.monotonic() - entry.fetched_at < self._ttl:
                return entry.value
            try:
                entry.value = await fetch()
                entry.fetched_at = time.monotonic()
            except ServiceUnavailable:
                if entry.value is None:
                    if fallback is None:
                        raise
                    return fallback
                # Keep the stale copy and ask again in a few seconds, not on every page.
                entry.fetched_at = time.monotonic() - self._ttl + RETRY_SECONDS
        return entry.value


def category_tree(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level categories, each with its `children`, in the API's order."""
    children: dict[str, list[dict[str, Any]]] = {}
    for category in categories:
        if category.get("parent_id"):
            children.setdefault(category["parent_id"], []).append(category)
    return [
        {**category, "children": children.get(category["id"], [])}
        for category in categories
        if not category.get("parent_id")
    ]


def find_category(categories: list[dict[str, Any]], ref: str) -> dict[str, Any] | None:
    return next((c for c in categories if ref in (c.get("slug"), c.get("id"))), None)
