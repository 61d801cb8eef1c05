"""The cart's view of the catalog is kept a moment per process (domain/carts/_catalog.py): a
rush of carts on one SKU costs product- and inventory-service one lookup each, not one per cart,
and an answer is read again once it is older than the cache's time. Real requests go to the
stand-in catalog (Pact mock servers); a transport of httpx's own counts them."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from shopkit.http import ServiceClient

from cart_service.domain.carts import HttpCatalog

pytestmark = pytest.mark.integration


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self, seen: Counter[str]) -> None:
        super().__init__()
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen[request.url.path] += 1
        return await super().handle_async_request(request)


def counted_catalog(
    catalog_urls: tuple[str, str], seen: Counter[str], cache_seconds: float
) -> HttpCatalog:
    products, inventory = catalog_urls
    return HttpCatalog(
        ServiceClient(products, name="product-service", transport=CountingTransport(seen)),
        ServiceClient(inventory, name="inventory-service", transport=CountingTransport(seen)),
        cache_seconds=cache_seconds,
    )


async def test_a_rush_on_one_sku_reads_the_catalog_once(catalog_urls: tuple[str, str]) -> None:
    seen: Counter[str] = Counter()
    catalog = counted_catalog(catalog_urls, seen, cache_seconds=5)
    async with catalog.lifespan():
        priced = await asyncio.gather(*(catalog.products(["LOW-1"], "EUR") for i in range(200)))
        counts = await asyncio.gather(*(catalog.availability(["LOW-1"]) for i in range(200)))
    assert {p["LOW-1"].price.amount for p in priced} == {1999}
    assert {c["LOW-1"] for c in counts} == {3}
    assert seen == Counter({"/api/products/skus": 1, "/api/inventory": 1})


async def test_only_what_is_not_kept_is_read_and_unknown_skus_are_remembered_as_unknown(
    catalog_urls: tuple[str, str],
) -> None:
    seen: Counter[str] = Counter()
    catalog = counted_catalog(catalog_urls, seen, cache_seconds=5)
    async with catalog.lifespan():
        first = await catalog.availability(["SKU-1", "GHOST-1"])
        again = await catalog.availability(["SKU-1", "GHOST-1", "SKU-2"])
        once_more = await catalog.availability(["GHOST-1", "SKU-2"])
    assert first == {"SKU-1": 500}
    assert again == {"SKU-1": 500, "SKU-2": 500}
    assert once_more == {"SKU-2": 500}
    assert seen["/api/inventory"] == 2  # the first read, then SKU-2 alone


async def test_an_answer_older_than_the_cache_time_is_read_again(
    catalog_urls: tuple[str, str],
) -> None:
    seen: Counter[str] = Counter()
    catalog = counted_catalog(catalog_urls, seen, cache_seconds=0.2)
    async with catalog.lifespan():
        await catalog.availability(["SKU-1"])
        await catalog.availability(["SKU-1"])
        await asyncio.sleep(0.3)
        await catalog.availability(["SKU-1"])
    assert seen["/api/inventory"] == 2
