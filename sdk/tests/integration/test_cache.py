"""The JSON cache against the real Redis: read-through, expiry and invalidation by namespace."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from redis import exceptions as redis_errors
from shopkit.cache import JsonCache, RedisConnection
from shopkit.config import RedisSettings

pytestmark = pytest.mark.integration


class Product(msgspec.Struct):
    name: str
    price: int


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[RedisConnection]:
    connection = RedisConnection(RedisSettings(url=redis_url))
    async with connection.lifespan():
        yield connection


async def test_a_value_is_loaded_once_then_served_from_redis(redis: RedisConnection) -> None:
    cache = JsonCache(redis.client, f"test-{uuid.uuid4().hex}", ttl_seconds=30)
    loads = 0

    async def load() -> Product:
        nonlocal loads
        loads += 1
        return Product("kettle", 2999)

    first = await cache.get_or_load("products", "p1", load, Product)
    second = await cache.get_or_load("products", "p1", load, Product)
    assert first == second == Product("kettle", 2999)
    assert loads == 1


async def test_invalidating_a_namespace_reloads_every_key_in_it_only(
    redis: RedisConnection,
) -> None:
    cache = JsonCache(redis.client, f"test-{uuid.uuid4().hex}", ttl_seconds=30)
    version = {"products": 1, "categories": 1}

    def loader(namespace: str) -> object:
        async def load() -> int:
            return version[namespace]

        return load

    assert await cache.get_or_load("products", "list", loader("products")) == 1
    assert await cache.get_or_load("categories", "tree", loader("categories")) == 1
    version.update(products=2, categories=2)
    await cache.invalidate("products")
    assert await cache.get_or_load("products", "list", loader("products")) == 2
    assert await cache.get_or_load("categories", "tree", loader("categories")) == 1


async def test_the_health_check_reports_an_unreachable_redis() -> None:
    connection = RedisConnection(RedisSettings(url="redis://127.0.0.1:1/0"))
    async with connection.lifespan():
        with pytest.raises(redis_errors.ConnectionError):
            await connection.health_check().probe()
