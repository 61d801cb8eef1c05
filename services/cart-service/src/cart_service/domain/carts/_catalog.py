"""The catalog as the cart sees it: product facts and prices from product-service, availability
from inventory-service, both read over HTTP when a cart is read or changed.

The cart shows what a shopper can buy: both are read as the public sees them (no token is
forwarded; an admin's cart is a shopper's cart too), so one answer serves every caller. Each
process keeps an answer per SKU for `cache_seconds` (1 s by default; `CART_CATALOG_CACHE_SECONDS`)
and loads a SKU missed by many requests at once only once: in a rush on one SKU (a flash sale)
a thousand carts cost two upstream calls a second, not two thousand. A cart may so be priced
or counted a second behind the catalog; the order is priced anew by product-service and the
stock is reserved by inventory-service, which stay the judges of both.

`Catalog` is the port the cart's service depends on; `HttpCatalog` is the one implementation,
the real `ServiceClient`s (timeouts, retries, circuit breaker). When either service cannot
answer, `ServiceUnavailable` (503) is raised rather than showing a cart priced from nothing;
an answer that breaks the contract is the SDK's `UpstreamRejected` (502).
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import msgspec
from shopkit.cache import LocalCache
from shopkit.config import HttpSettings
from shopkit.http import ServiceClient

from cart_service.domain.carts._rules import ProductInfo

PRODUCT_SERVICE = "product-service"
INVENTORY_SERVICE = "inventory-service"
# Both upstream endpoints answer at most this many SKUs per request.
MAX_SKUS_PER_CALL = 100


class Catalog(Protocol):
    async def products(self, skus: Sequence[str], currency: str) -> Mapping[str, ProductInfo]: ...

    async def availability(self, skus: Sequence[str]) -> Mapping[str, int]: ...


class _ProductPage(msgspec.Struct):
    items: list[ProductInfo]


class _Stock(msgspec.Struct):
    sku: str
    available: int


class _StockPage(msgspec.Struct):
    items: list[_Stock]


def _chunks(skus: Iterable[str]) -> list[list[str]]:
    unique = sorted(set(skus))
    return [unique[i : i + MAX_SKUS_PER_CALL] for i in range(0, len(unique), MAX_SKUS_PER_CALL)]


_UNKNOWN = object()  # kept for a SKU the upstream does not know (or does not sell)


K = TypeVar("K", bound=Hashable)


async def _cached(
    cache: LocalCache, keys: Sequence[K], load_many: Callable[[list[K]], Awaitable[Mapping[K, Any]]]
) -> dict[K, Any]:
    """The value per key, from `cache` or loaded (several missing keys in one call; a single
    one single-flight, so a rush on one key loads it once); unknown keys are left out."""
    found: dict[K, Any] = {}
    missing: list[K] = []
    for key in dict.fromkeys(keys):
        value = cache.get(key)
        if value is None:
            missing.append(key)
        elif value is not _UNKNOWN:
            found[key] = value
    if len(missing) == 1:
        key = missing[0]

        async def load_one() -> Any:
            return (await load_many([key])).get(key, _UNKNOWN)

        value = await cache.get_or_load(key, load_one)
        if value is not _UNKNOWN:
            found[key] = value
    elif missing:
        loaded = await load_many(missing)
        for key in missing:
            value = loaded.get(key, _UNKNOWN)
            cache.put(key, value)
            if value is not _UNKNOWN:
                found[key] = value
    return found


class HttpCatalog:
    def __init__(
        self,
        products: ServiceClient,
        inventory: ServiceClient,
        *,
        cache_seconds: float = 1.0,
        cache_entries: int = 4096,
    ) -> None:
        self._products = products
        self._inventory = inventory
        self._product_cache = LocalCache(cache_entries, cache_seconds)
        self._stock_cache = LocalCache(cache_entries, cache_seconds)

    @classmethod
    def from_urls(
        cls,
        product_url: str,
        inventory_url: str,
        settings: HttpSettings | None,
        *,
        cache_seconds: float = 1.0,
    ) -> HttpCatalog:
        return cls(
            ServiceClient(product_url, settings=settings, name=PRODUCT_SERVICE),
            ServiceClient(inventory_url, settings=settings, name=INVENTORY_SERVICE),
            cache_seconds=cache_seconds,
        )

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self._products.aclose()
            await self._inventory.aclose()

    async def products(self, skus: Sequence[str], currency: str) -> Mapping[str, ProductInfo]:
        """The products behind `skus` priced in `currency`, as the public sees them; unknown
        SKUs (and those not on sale) are simply absent."""

        async def load(keys: list[tuple[str, str]]) -> dict[tuple[str, str], ProductInfo]:
            wanted = {sku for sku, _ in keys}
            found: dict[tuple[str, str], ProductInfo] = {}
            for chunk in _chunks(wanted):
                page = await self._products.get_json(
                    "/api/products/skus",
                    _ProductPage,
                    params={"skus": ",".join(chunk), "currency": currency},
                )
                found.update(((i.sku, currency), i) for i in page.items if i.sku in wanted)
            return found

        found = await _cached(self._product_cache, [(sku, currency) for sku in skus], load)
        return {sku: info for (sku, _), info in found.items()}

    async def availability(self, skus: Sequence[str]) -> Mapping[str, int]:
        """How many of each SKU a shopper can buy now; a SKU inventory does not know, or does
        not sell, has none."""

        async def load(keys: list[str]) -> dict[str, int]:
            wanted = set(keys)
            found: dict[str, int] = {}
            for chunk in _chunks(wanted):
                page = await self._inventory.get_json(
                    "/api/inventory", _StockPage, params={"skus": ",".join(chunk)}
                )
                found.update((i.sku, i.available) for i in page.items if i.sku in wanted)
            return found

        found = await _cached(self._stock_cache, list(skus), load)
        return {sku: int(count) for sku, count in found.items()}
