"""Reads are cached in Redis and carry HTTP validators; every change is visible at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from product_service.config import Settings

pytestmark = pytest.mark.integration

Client = AsyncTestClient[Litestar]
Maker = Callable[..., Awaitable[dict[str, Any]]]


@pytest_asyncio.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database.url)
    yield engine
    await engine.dispose()


async def test_reads_are_served_from_the_cache_until_a_change_invalidates_it(
    client: Client, admin_headers: dict[str, str], make_product: Maker, engine: AsyncEngine
) -> None:
    product = await make_product()
    path = f"/api/products/{product['id']}"
    assert (await client.get(path)).json()["name"] == product["name"]

    # Behind the API's back: the cached answer is still served.
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE product SET name = 'Changed Behind The Back' WHERE id = :id"),
            {"id": product["id"]},
        )
    assert (await client.get(path)).json()["name"] == product["name"]

    # Through the API: the next read sees the change.
    patched = await client.patch(path, json={"name": "Renamed"}, headers=admin_headers)
    assert patched.status_code == 200
    assert (await client.get(path)).json()["name"] == "Renamed"
    listed = await client.get("/api/products", params={"category": product["category"]["slug"]})
    assert listed.json()["items"][0]["name"] == "Renamed"


async def test_anonymous_reads_carry_an_etag_and_revalidate_with_304(
    client: Client, admin_headers: dict[str, str], make_product: Maker
) -> None:
    product = await make_product()
    path = f"/api/products/{product['slug']}"
    first = await client.get(path)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=30"

    revalidated = await client.get(path, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == etag

    await client.patch(path, json={"brand": "Other"}, headers=admin_headers)
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["brand"] == "Other"

    for listing in ("/api/products", "/api/categories", "/api/currencies"):
        response = await client.get(listing)
        again = await client.get(listing, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, listing


async def test_ready_checks_database_broker_and_redis(client: Client) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker", "redis"}
