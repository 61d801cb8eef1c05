"""Live availability across replicas: Redis pub/sub in, one subscription per process, fanned out
to every open stream of this process.

A transaction that changes stock stages `{sku: available}` on its session (`StockFeed.stage`);
once it commits, the values are published on the channel (never for a rolled-back change).
Each replica holds a single Redis subscription and hands each message to the local streams
that asked for that SKU, so 10,000 open streams cost one Redis connection per replica, not one
each.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.asyncio as aioredis
import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from inventory_service.domain.stock.schemas import Availability

__all__ = ["StockFeed", "Subscription"]

_logger = structlog.get_logger("inventory_service.live")
_STAGED = "inventory_live_staged"
_FEED = "inventory_live_feed"
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Availability)
# None tells a stream the feed is closing.
Update = Availability | None


class Subscription:
    """One open stream's view: the SKUs it watches and a queue of their updates."""

    def __init__(self, skus: frozenset[str]) -> None:
        self.skus = skus
        self.queue: asyncio.Queue[Update] = asyncio.Queue(maxsize=1000)

    def offer(self, update: Update) -> None:
        if self.queue.full():  # a stalled client loses the oldest updates, never blocks others
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(update)


class StockFeed:
    def __init__(self, client: aioredis.Redis, channel: str) -> None:
        self._client = client
        self._channel = channel
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._publishing: set[asyncio.Task[None]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    # -- publishing -------------------------------------------------------------------------

    def stage(self, session: AsyncSession | Session, sku: str, available: int) -> None:
        """Publish `available` for `sku` when `session` commits (the last value wins)."""
        session.info.setdefault(_STAGED, {})[sku] = available
        session.info[_FEED] = self

    async def publish(self, levels: dict[str, int]) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for sku, available in levels.items():
                    pipe.publish(self._channel, _encoder.encode(Availability(sku, available)))
                await pipe.execute()
        except Exception as exc:  # a live view may miss an update; the stock change stands
            _logger.warning("stock update not published", error=type(exc).__name__)

    def _publish_later(self, levels: dict[str, int]) -> None:
        task = asyncio.get_running_loop().create_task(self.publish(levels))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    # -- subscribing ------------------------------------------------------------------------

    @property
    def watchers(self) -> int:
        """How many open streams of this process watch at least one SKU."""
        return len({id(s) for watchers in self._subscriptions.values() for s in watchers})

    def subscribe(self, skus: Iterable[str]) -> Subscription:
        subscription = Subscription(frozenset(skus))
        for sku in subscription.skus:
            self._subscriptions.setdefault(sku, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        for sku in subscription.skus:
            watchers = self._subscriptions.get(sku)
            if watchers is not None:
                watchers.discard(subscription)
                if not watchers:
                    del self._subscriptions[sku]

    def _dispatch(self, data: bytes) -> None:
        try:
            update = _decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            _logger.warning("ignored a malformed stock message")
            return
        for subscription in self._subscriptions.get(update.sku, ()):
            subscription.offer(update)

    async def _read(self) -> None:
        """Listen on the channel for as long as the app runs, reconnecting after Redis errors."""
        delay = 0.5
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._ready.set()
                delay = 0.5
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._dispatch(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _logger.warning("stock feed lost Redis; reconnecting", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def wait_ready(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - start-up bound
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        self._ready = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="inventory-stock-feed")
        await self.wait_ready()
        try:
            yield
        finally:
            for watchers in list(self._subscriptions.values()):
                for subscription in watchers:
                    subscription.offer(None)
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            if self._publishing:
                await asyncio.gather(*self._publishing, return_exceptions=True)


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    staged = session.info.pop(_STAGED, None)
    feed = session.info.pop(_FEED, None)
    if staged and isinstance(feed, StockFeed):
        feed._publish_later(staged)


@event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)
    session.info.pop(_FEED, None)
