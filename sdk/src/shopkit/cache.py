"""Redis for a service: one client opened and closed with the app, a readiness check, and a
small JSON read-through cache whose entries a change can invalidate by namespace.

Invalidation bumps a namespace's generation number instead of deleting keys, so it is one
atomic `INCR` however many entries exist, and stale entries simply expire.

With `local_entries`, each process also keeps the values it served last (up to that many,
for the same TTL), and serves them while the namespace's generation is unchanged: a read costs
one small Redis `GET` (the generation) instead of two and a decode, and a change is still seen
by every process at its next read.

With `watch` running as a lifespan, a process is told of every new generation (invalidation
publishes it on `<prefix>:generations`, in the same script as the `INCR`) and a read of a
locally kept value costs no round trip at all: another process's change is seen once its
message arrives (a millisecond here), the process's own at once. While the subscription is
down, reads ask Redis for the generation again, as without `watch`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.asyncio as aioredis
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

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
    """A client whose pool makes a burst of requests wait for a connection, not fail.

    A command whose connection turns out dead (Redis restarted since the connection was
    pooled) is sent again on a new one, up to `reconnect_attempts` times a few tens of
    milliseconds apart: without it, every connection pooled before a restart failed one
    request after Redis was back. Timeouts are not retried (the command may have run).
    """
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.url,
        max_connections=settings.max_connections,
        timeout=settings.pool_timeout_seconds,
        retry=Retry(
            ExponentialBackoff(cap=0.2, base=0.02),
            settings.reconnect_attempts,
            supported_errors=(RedisConnectionError,),
        ),
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


_logger = structlog.get_logger(__name__)

# INCR the namespace's generation and publish the new one ("<namespace> <generation>").
_BUMP = """
local generation = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. generation)
return generation
"""


class JsonCache:
    """Read-through cache of msgspec-encodable values under `<prefix>:<namespace>:<gen>:<key>`."""

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        ttl_seconds: int = 60,
        local_entries: int = 0,
        *,
        retry_seconds: float = 1.0,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._local = LocalCache(local_entries, ttl_seconds)
        self._bump = client.register_script(_BUMP)
        self._retry_seconds = retry_seconds
        # Generations this process was told of; used only while `_subscribed`.
        self._known: dict[str, int] = {}
        self._subscribed = False
        self._subscription = 0  # counts the subscriptions made, to tell them apart
        self._stopping = False

    @property
    def channel(self) -> str:
        return f"{self._prefix}:generations"

    @property
    def subscribed(self) -> bool:
        """Whether new generations are pushed to this process (`watch` running and connected)."""
        return self._subscribed

    def _learn(self, namespace: str, generation: int) -> None:
        # Generations only grow: an answer overtaken by a newer message changes nothing.
        if generation > self._known.get(namespace, -1):
            self._known[namespace] = generation

    async def _generation(self, namespace: str) -> int:
        if self._subscribed and namespace in self._known:
            return self._known[namespace]
        # Learnt only when the subscription already stood before the GET was sent (and still
        # does): then any later change reaches us as a message.
        subscription = self._subscription if self._subscribed else None
        raw = await self._client.get(f"{self._prefix}:{namespace}:generation")
        generation = int(raw or 0)
        if self._subscribed and subscription == self._subscription:
            self._learn(namespace, generation)
        return generation

    @asynccontextmanager
    async def watch(self, _app: Any = None) -> AsyncIterator[None]:
        """Lifespan: subscribe to new generations (and keep re-subscribing) while it runs."""
        self._stopping = False
        task = asyncio.create_task(self._watch(), name=f"cache-watch {self._prefix}")
        try:
            yield
        finally:
            self._stopping = True
            # redis-py may swallow a cancellation that lands while it connects: cancel again
            # until the task is gone, a few seconds at most.
            for _ in range(10):
                task.cancel()
                done, _pending = await asyncio.wait({task}, timeout=0.5)
                if done:
                    break
            self._subscribed = False

    def _subscriber(self) -> aioredis.Redis:
        """A one-connection client for the subscription, like the app's but never reconnected
        in place: when Redis drops the subscription, listening must end (and what was learnt
        over it be forgotten, below) rather than quietly resume on a new connection."""
        pool = self._client.connection_pool
        kwargs = {k: v for k, v in pool.connection_kwargs.items() if k != "retry"}
        return aioredis.Redis.from_pool(
            aioredis.ConnectionPool(
                connection_class=pool.connection_class, max_connections=1, **kwargs
            )
        )

    async def _watch(self) -> None:
        while not self._stopping:
            subscriber = self._subscriber()
            pubsub = subscriber.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    if self._stopping:
                        break
                    kind = message.get("type")
                    if kind == "subscribe":
                        # Only from here on is no change missed; what was learnt before is not
                        # trusted (a change between two subscriptions went unannounced).
                        self._known.clear()
                        self._subscription += 1
                        self._subscribed = True
                    elif kind == "message":
                        data = message["data"]
                        text = data.decode() if isinstance(data, bytes) else str(data)
                        namespace, _, generation = text.rpartition(" ")
                        self._learn(namespace, int(generation))
            except (RedisError, OSError, ValueError) as exc:
                _logger.warning("cache generations not pushed for now", error=type(exc).__name__)
            finally:
                self._subscribed = False
                self._known.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    await subscriber.aclose()
            await asyncio.sleep(self._retry_seconds)

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
        """Every entry of `namespace` stops being served at once (by other processes as soon
        as they hear of it, when they `watch`)."""
        generation = await self._bump(
            keys=[f"{self._prefix}:{namespace}:generation"], args=[self.channel, namespace]
        )
        if self._subscribed:
            self._learn(namespace, int(generation))
