"""Redis for a service: one client opened and closed with the app, a readiness check, and a
small JSON read-through cache whose entries a change can invalidate by namespace.

Invalidation bumps a namespace's generation number instead of deleting keys, so it is one
atomic `INCR` however many entries exist, and stale entries simply expire.

With `local_entries`, each process also keeps the values it served last (up to that many,
for the same TTL), and serves them while the namespace's generation is unchanged: a read costs
one small Redis `GET` (the generation) instead of two and a decode, and a change is still seen
by every process at its next read.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.asyncio as aioredis

from shopkit.config import RedisSettings
from shopkit.health import HealthCheck, redis_check

__all__ = ["JsonCache", "RedisConnection", "redis_client"]


def redis_client(settings: RedisSettings) -> aioredis.Redis:
    """A client whose pool makes a burst of requests wait for a connection, not fail."""
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.url,
        max_connections=settings.max_connections,
        timeout=settings.pool_timeout_seconds,
    )
    return aioredis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes it


class RedisConnection:
    """`client` for the app's lifetime; pass `lifespan` and `health_check()` to `create_app`."""

    def __init__(self, settings: RedisSettings) -> None:
        self.client: aioredis.Redis = redis_client(settings)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.client.aclose()

    def health_check(self) -> HealthCheck:
        return redis_check(self.client)


class JsonCache:
    """Read-through cache of msgspec-encodable values under `<prefix>:<namespace>:<gen>:<key>`."""

    def __init__(
        self, client: aioredis.Redis, prefix: str, ttl_seconds: int = 60, local_entries: int = 0
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._local_entries = local_entries
        self._local: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    async def _generation(self, namespace: str) -> int:
        raw = await self._client.get(f"{self._prefix}:{namespace}:generation")
        return int(raw or 0)

    async def get_or_load(
        self,
        namespace: str,
        key: str,
        load: Callable[[], Awaitable[Any]],
        type_: Any = Any,
    ) -> Any:
        """The cached value, or `load()`'s result stored for `ttl_seconds`."""
        generation = await self._generation(namespace)
        full_key = f"{self._prefix}:{namespace}:{generation}:{key}"
        if self._local_entries:
            local = self._local.get(full_key)
            if local is not None and local[0] > time.monotonic():
                return local[1]
        cached = await self._client.get(full_key)
        if cached is not None:
            value = msgspec.json.decode(cached, type=type_)
        else:
            value = await load()
            await self._client.set(full_key, msgspec.json.encode(value), ex=self._ttl)
        if self._local_entries:
            self._keep_locally(full_key, value)
        return value

    def _keep_locally(self, full_key: str, value: Any) -> None:
        self._local[full_key] = (time.monotonic() + self._ttl, value)
        self._local.move_to_end(full_key)
        while len(self._local) > self._local_entries:
            self._local.popitem(last=False)

    async def invalidate(self, namespace: str) -> None:
        """Every entry of `namespace` stops being served at once."""
        await self._client.incr(f"{self._prefix}:{namespace}:generation")
