"""Redis for a service: one client opened and closed with the app, a readiness check, and a
small JSON read-through cache whose entries a change can invalidate by namespace.

Invalidation bumps a namespace's generation number instead of deleting keys, so it is one
atomic `INCR` however many entries exist, and stale entries simply expire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.asyncio as aioredis

from shopkit.config import RedisSettings
from shopkit.health import HealthCheck, redis_check

__all__ = ["JsonCache", "RedisConnection"]


class RedisConnection:
    """`client` for the app's lifetime; pass `lifespan` and `health_check()` to `create_app`."""

    def __init__(self, settings: RedisSettings) -> None:
        self.client: aioredis.Redis = aioredis.Redis.from_url(settings.url)

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

    def __init__(self, client: aioredis.Redis, prefix: str, ttl_seconds: int = 60) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl = ttl_seconds

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
        cached = await self._client.get(full_key)
        if cached is not None:
            return msgspec.json.decode(cached, type=type_)
        value = await load()
        await self._client.set(full_key, msgspec.json.encode(value), ex=self._ttl)
        return value

    async def invalidate(self, namespace: str) -> None:
        """Every entry of `namespace` stops being served at once."""
        await self._client.incr(f"{self._prefix}:{namespace}:generation")
