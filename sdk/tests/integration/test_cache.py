"""The JSON cache against the real Redis: read-through, expiry and invalidation by namespace."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

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


async def test_a_process_local_copy_is_served_until_any_process_invalidates(
    redis: RedisConnection,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    replica_a = JsonCache(redis.client, prefix, ttl_seconds=30, local_entries=8)
    replica_b = JsonCache(redis.client, prefix, ttl_seconds=30, local_entries=8)
    price = {"value": 2999}

    async def load() -> Product:
        return Product("kettle", price["value"])

    assert (await replica_a.get_or_load("products", "p1", load, Product)).price == 2999
    price["value"] = 3499
    await redis.client.delete(*[k async for k in redis.client.scan_iter(f"{prefix}:products:0:*")])
    # Redis lost the entry, the local copy still serves it: no second round trip for the value.
    assert (await replica_a.get_or_load("products", "p1", load, Product)).price == 2999
    await replica_b.invalidate("products")  # a change made through the other replica
    assert (await replica_a.get_or_load("products", "p1", load, Product)).price == 3499


async def test_only_the_most_recent_local_copies_are_kept(redis: RedisConnection) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    cache = JsonCache(redis.client, prefix, ttl_seconds=30, local_entries=2)
    loads: list[str] = []

    def loader(key: str) -> Callable[[], Awaitable[Product]]:
        async def load() -> Product:
            loads.append(key)
            return Product(key, 1)

        return load

    for key in ("a", "b", "c"):
        await cache.get_or_load("products", key, loader(key), Product)
    await redis.client.delete(*[k async for k in redis.client.scan_iter(f"{prefix}:products:0:*")])
    for key in ("c", "b", "a"):
        await cache.get_or_load("products", key, loader(key), Product)
    assert loads == ["a", "b", "c", "a"]  # "a" was the oldest of three, with room for two


async def test_a_burst_beyond_the_pool_waits_for_a_connection_instead_of_failing(
    redis_url: str,
) -> None:
    connection = RedisConnection(
        RedisSettings(url=redis_url, max_connections=2, pool_timeout_seconds=5)
    )
    async with connection.lifespan():
        key = f"test-{uuid.uuid4().hex}"
        replies = await asyncio.gather(*(connection.client.incr(key) for _ in range(50)))
        await connection.client.delete(key)
    assert sorted(replies) == list(range(1, 51))


async def _until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.01)


async def test_a_watching_process_serves_its_copy_without_asking_redis_until_told_of_a_change(
    redis: RedisConnection,
) -> None:
    """With `watch`, a kept value costs no round trip: even the generation's key vanishing
    from Redis goes unnoticed, while another process's invalidation reaches it at once."""
    prefix = f"test-{uuid.uuid4().hex}"
    replica_a = JsonCache(redis.client, prefix, ttl_seconds=30, local_entries=8)
    replica_b = JsonCache(redis.client, prefix, ttl_seconds=30, local_entries=8)
    price = {"value": 2999}

    async def load() -> Product:
        return Product("kettle", price["value"])

    async with replica_a.watch():
        await _until(lambda: replica_a.subscribed)
        await replica_b.invalidate("products")  # generation 1
        assert (await replica_a.get_or_load("products", "p1", load, Product)).price == 2999
        # A change Redis holds but nobody announced: the watching process does not ask.
        await redis.client.set(f"{prefix}:products:generation", 5)
        price["value"] = 3499
        assert (await replica_a.get_or_load("products", "p1", load, Product)).price == 2999

        await replica_b.invalidate("products")  # generation 6, announced
        await _until(lambda: replica_a._known.get("products") == 6)
        assert (await replica_a.get_or_load("products", "p1", load, Product)).price == 3499


async def test_a_process_whose_subscription_dropped_asks_redis_again(
    redis: RedisConnection,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    cache = JsonCache(redis.client, prefix, ttl_seconds=30, local_entries=8, retry_seconds=0.2)
    other = JsonCache(redis.client, prefix, ttl_seconds=30)
    price = {"value": 2999}

    async def load() -> Product:
        return Product("kettle", price["value"])

    async with cache.watch():
        await _until(lambda: cache.subscribed)
        assert (await cache.get_or_load("products", "p1", load, Product)).price == 2999
        await redis.client.client_kill_filter(_type="pubsub")  # Redis drops the subscriber
        await _until(lambda: not cache.subscribed)
        price["value"] = 3499
        await other.invalidate("products")  # announced to nobody
        assert (await cache.get_or_load("products", "p1", load, Product)).price == 3499
        await _until(lambda: cache.subscribed)  # and it subscribes again
        price["value"] = 3999
        await other.invalidate("products")
        await _until(lambda: cache._known.get("products") == 2)
        assert (await cache.get_or_load("products", "p1", load, Product)).price == 3999


@pytest.mark.parametrize("reconnect_attempts", [0, 2])
async def test_a_connection_redis_dropped_is_replaced_without_failing_the_command(
    redis_url: str, reconnect_attempts: int
) -> None:
    """What a Redis restart does to every pooled connection, done to one: the server closes
    it. With the default reconnect attempts the next command goes out on a new connection and
    succeeds; without them the request that drew the dead connection failed."""
    connection = RedisConnection(
        RedisSettings(url=redis_url, max_connections=1, reconnect_attempts=reconnect_attempts)
    )
    key = f"test-{uuid.uuid4().hex}"
    async with connection.lifespan():
        client = connection.client
        await client.set(key, "kept", ex=30)
        pooled_id = await client.client_id()
        killer = RedisConnection(RedisSettings(url=redis_url))
        async with killer.lifespan():
            assert await killer.client.client_kill_filter(_id=pooled_id) == 1
        if reconnect_attempts:
            assert await client.get(key) == b"kept"
            assert await client.client_id() != pooled_id
        else:
            with pytest.raises(redis_errors.ConnectionError):
                await client.get(key)
