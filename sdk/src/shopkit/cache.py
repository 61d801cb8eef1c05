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

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.asyncio as aioredis

from shopkit.config import RedisSettings
from shopkit.health import HealthCheck, redis_check

__all__ = ["JsonCache", "LocalCache", "RedisConnection", "redis_client"]


class LocalCache:
    """This process's memory of up to `max_entries` values, each kept `ttl_seconds`.

    For answers that may be a few seconds old (the gateway's micro-cache already serves public
    reads that old): nothing is shared between processes and nothing invalidates an entry but
    its age. The oldest entries go first when it is full.
    """

    def __init__(self, max_entries: int, ttl_seconds: float) -> None:
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._loading: dict[Any, asyncio.Future[Any]] = {}

    def get(self, key: Any) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: Any, value: Any) -> None:
        if self._max_entries <= 0:
            return
        self._entries[key] = (time.monotonic() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def get_or_load(self, key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
        """The kept value, or `load()`'s (then kept). Requests that miss the same key while it
        loads wait for that one load instead of each loading it (no stampede on expiry)."""
        value = self.get(key)
        if value is not None:
            return value
        pending = self._loading.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise
            return await self.get_or_load(key, load)  # its loader went away: load it here
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure with no one waiting is not "never seen"
            raise
        finally:
            del self._loading[key]
        self.put(key, value)
        future.set_result(value)
        return value


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
        self._local = LocalCache(local_entries, ttl_seconds)

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
        local = self._local.get(full_key)
        if local is not None:
            return local
        cached = await self._client.get(full_key)
        if cached is not None:
            value = msgspec.json.decode(cached, type=type_)
        else:
            value = await load()
            await self._client.set(full_key, msgspec.json.encode(value), ex=self._ttl)
        self._local.put(full_key, value)
        return value

    async def invalidate(self, namespace: str) -> None:
        """Every entry of `namespace` stops being served at once."""
        await self._client.incr(f"{self._prefix}:{namespace}:generation")
