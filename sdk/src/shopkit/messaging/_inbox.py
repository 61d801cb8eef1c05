"""Inbox consumers: at-least-once delivery made exactly-once in effect, with retries and a DLQ.

`EventConsumer.handler(event_type, name=...)` subscribes the durable queue `<service>.<name>`,
bound to the events exchange with the event type as routing key. For each delivery:

1. one database transaction inserts `(consumer, event id)` into `shopkit_inbox`
   (`ON CONFLICT DO NOTHING`); if the row was already there the delivery is a duplicate and is
   acknowledged without calling the handler;
2. the handler runs with that same session, so its writes, the inbox row and any events it puts
   in the outbox commit together or not at all;
3. after the commit the delivery is acknowledged.

A handler exception rolls the transaction back and moves the message to the retry topology
described in `shopkit.messaging._retry`: `<queue>.retry.<delay>ms` queues hold it for
base x 2^(attempt-1) ms and dead-letter it back into the queue; after `max_retries` retries it
goes to `<queue>.dlq` with the error in its headers. A body that is not an envelope goes to the
DLQ at once. Republishing uses publisher confirms before the original is acknowledged, so a
crash in between duplicates (absorbed by the inbox) rather than loses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import structlog
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitExchange
from faststream.rabbit.message import RabbitMessage
from faststream.rabbit.subscriber import RabbitSubscriber
from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shopkit.config import BrokerSettings
from shopkit.context import request_id_var
from shopkit.db import compile_once
from shopkit.messaging._broker import PUBLISH_TIMEOUT_SECONDS, events_exchange
from shopkit.messaging._envelope import Envelope, decode_envelope, major_version
from shopkit.messaging._models import InboxMessage
from shopkit.messaging._retry import (
    ATTEMPT_HEADER,
    CONSUMER_HEADER,
    DELAY_HEADER,
    ERROR_HEADER,
    ERROR_TYPE_HEADER,
    FAILED_AT_HEADER,
    RetryPolicy,
    attempt_of,
    carried_headers,
    describe_error,
    dlq_name,
    durable_queue,
    retry_queue_name,
)
from shopkit.transactions import unit_of_work

__all__ = ["EventConsumer", "EventHandler"]

EventHandler = Callable[[Envelope, AsyncSession], Awaitable[None]]

_logger = structlog.get_logger("shopkit.messaging.inbox")
REQUEUE_PAUSE_SECONDS = 1.0

# Once per delivery in every consuming service: compiled once, not on every execution.
_CLAIM = compile_once(
    insert(InboxMessage)
    .values(
        consumer=bindparam("consumer"),
        event_id=bindparam("event_id"),
        event_type=bindparam("event_type"),
        processed_at=bindparam("processed_at"),
    )
    .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    .returning(InboxMessage.event_id)
)


@dataclass(frozen=True, slots=True)
class _Route:
    consumer: str
    event_type: str
    queue: str
    handler: EventHandler


async def _undecoded(message: RabbitMessage) -> RabbitMessage:
    """The subscribers' decoder: the handler's one argument is the message itself (the inbox
    decodes the envelope from its body with msgspec), so FastStream does not parse the JSON
    body, and the handler needs no `Context("message")` injection, which FastDepends ran in a
    worker thread on every delivery."""
    return message


class EventConsumer:
    """Declares this service's event handlers, each with its own queue, inbox key and DLQ."""

    def __init__(
        self,
        broker: RabbitBroker,
        session_maker: async_sessionmaker[AsyncSession],
        service_name: str,
        *,
        settings: BrokerSettings | None = None,
        retry: RetryPolicy | None = None,
        quorum: bool = False,
    ) -> None:
        settings = settings or BrokerSettings()
        self._broker = broker
        self._session_maker = session_maker
        self._service_name = service_name
        self._queue_prefix = settings.queue_prefix
        self._queue_expires_ms = settings.queue_expires_ms
        self._exchange: RabbitExchange = events_exchange(settings)
        self._retry = retry or RetryPolicy.from_settings(settings)
        self._quorum = quorum
        self._routes: list[_Route] = []
        self._late_subscribers: list[RabbitSubscriber] = []

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry

    @property
    def queues(self) -> list[str]:
        """Consumer queue names declared so far (their retry and dead-letter queues follow)."""
        return [route.queue for route in self._routes]

    def queue_name(self, name: str) -> str:
        return f"{self._queue_prefix}{self._service_name}.{name}"

    def handler(self, event_type: str, *, name: str) -> Callable[[EventHandler], EventHandler]:
        """Register `async def handler(envelope, session)` for `event_type` as consumer `name`.

        `name` says what the handler does (`reserve-stock`); it names the queue and the inbox
        key, so renaming it starts a new queue that does not see old deliveries.
        """
        major_version(event_type)

        def register(func: EventHandler) -> EventHandler:
            queue = self.queue_name(name)
            if queue in self.queues:
                raise ValueError(f"a handler named {name!r} is already registered ({queue})")
            route = _Route(consumer=queue, event_type=event_type, queue=queue, handler=func)
            self._routes.append(route)
            subscriber = self._broker.subscriber(
                durable_queue(
                    queue,
                    quorum=self._quorum,
                    routing_key=event_type,
                    expires_ms=self._queue_expires_ms,
                ),
                self._exchange,
                ack_policy=AckPolicy.NACK_ON_ERROR,
                decoder=_undecoded,
                title=queue,
                description=f"{event_type} -> {func.__module__}.{func.__qualname__}",
            )

            async def consume(message: Any) -> None:  # a RabbitMessage (see `_undecoded`)
                await self._deliver(route, message)

            consume.__name__ = consume.__qualname__ = func.__name__
            subscriber(consume)
            if getattr(self._broker, "running", False):
                self._late_subscribers.append(subscriber)
            return func

        return register

    async def start(self) -> None:
        """Start handlers registered after `broker.start()` (before it, the broker starts them)."""
        subscribers, self._late_subscribers = self._late_subscribers, []
        for subscriber in subscribers:
            await subscriber.start()

    async def declare(self) -> None:
        """Declare every retry and dead-letter queue now rather than at the first failure."""
        for route in self._routes:
            for delay in self._retry.delays_ms():
                await self._declare_retry_queue(route.queue, delay)
            await self._declare_dlq(route.queue)

    async def purge_processed(self, older_than: timedelta) -> int:
        """Forget inbox rows older than any redelivery could be; returns how many went."""
        cutoff = datetime.now(UTC) - older_than
        consumers = [route.consumer for route in self._routes]
        async with self._session_maker() as session, session.begin():
            result: Any = await session.execute(
                delete(InboxMessage).where(
                    InboxMessage.consumer.in_(consumers), InboxMessage.processed_at < cutoff
                )
            )
        return int(result.rowcount or 0)

    async def _deliver(self, route: _Route, message: RabbitMessage) -> None:
        attempt = attempt_of(message.headers)
        try:
            envelope = decode_envelope(message.body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            _logger.error("undecodable event sent to the DLQ", queue=route.queue, error=str(exc))
            await self._dead_letter(route, message, exc, attempt)
            return
        token = request_id_var.set(envelope.correlation_id)
        try:
            await self._handle_once(route, envelope)
        except Exception as exc:
            await self._move_failed(route, message, envelope, exc, attempt)
        finally:
            request_id_var.reset(token)

    async def _move_failed(
        self,
        route: _Route,
        message: RabbitMessage,
        envelope: Envelope,
        exc: Exception,
        attempt: int,
    ) -> None:
        """Send a failed delivery to its next retry queue, or to the DLQ after the last one.

        If even that fails (RabbitMQ trouble), the delivery is requeued as it is, after a pause
        so a broken broker is not hammered: nothing is acknowledged that was not moved.
        """
        try:
            if attempt >= self._retry.max_retries:
                _logger.exception(
                    "event handler failed for the last time; sent to the DLQ",
                    queue=route.queue,
                    event_id=envelope.id,
                    attempts=attempt + 1,
                )
                await self._dead_letter(route, message, exc, attempt)
            else:
                _logger.warning(
                    "event handler failed; will retry",
                    queue=route.queue,
                    event_id=envelope.id,
                    attempt=attempt + 1,
                    error=describe_error(exc),
                )
                await self._schedule_retry(route, message, exc, attempt + 1)
        except Exception:
            _logger.exception("could not move a failed event; requeueing it", queue=route.queue)
            await asyncio.sleep(REQUEUE_PAUSE_SECONDS)
            raise

    async def _handle_once(self, route: _Route, envelope: Envelope) -> None:
        async with unit_of_work(self._session_maker) as session:
            claimed = await session.scalar(
                _CLAIM,
                {
                    "consumer": route.consumer,
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "processed_at": datetime.now(UTC),
                },
            )
            if claimed is None:
                _logger.info("duplicate event skipped", queue=route.queue, event_id=envelope.id)
                return
            await route.handler(envelope, session)

    async def _schedule_retry(
        self, route: _Route, message: RabbitMessage, exc: Exception, attempt: int
    ) -> None:
        delay = self._retry.delay_ms(attempt)
        target = await self._declare_retry_queue(route.queue, delay)
        headers = {
            **carried_headers(message.headers),
            ATTEMPT_HEADER: attempt,
            DELAY_HEADER: delay,
            ERROR_HEADER: describe_error(exc),
            ERROR_TYPE_HEADER: type(exc).__name__,
        }
        await self._republish(message, target, headers)

    async def _dead_letter(
        self, route: _Route, message: RabbitMessage, exc: Exception, attempt: int
    ) -> None:
        target = await self._declare_dlq(route.queue)
        headers = {
            **carried_headers(message.headers),
            ATTEMPT_HEADER: attempt,
            CONSUMER_HEADER: route.consumer,
            ERROR_HEADER: describe_error(exc),
            ERROR_TYPE_HEADER: type(exc).__name__,
            FAILED_AT_HEADER: datetime.now(UTC).isoformat(),
        }
        await self._republish(message, target, headers)

    async def _republish(
        self, message: RabbitMessage, queue: str, headers: Mapping[str, Any]
    ) -> None:
        raw = message.raw_message
        await self._broker.publish(
            message.body,
            queue=queue,
            mandatory=True,
            persist=True,
            headers=dict(headers),
            message_id=raw.message_id,
            correlation_id=raw.correlation_id,
            message_type=raw.type,
            content_type=raw.content_type,
            timestamp=raw.timestamp,
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )

    async def _declare_retry_queue(self, queue: str, delay_ms: int) -> str:
        name = retry_queue_name(queue, delay_ms)
        await self._broker.declare_queue(
            durable_queue(
                name,
                quorum=self._quorum,
                ttl_ms=delay_ms,
                dead_letter_to=queue,
                expires_ms=self._queue_expires_ms,
            )
        )
        return name

    async def _declare_dlq(self, queue: str) -> str:
        name = dlq_name(queue)
        await self._broker.declare_queue(
            durable_queue(name, quorum=self._quorum, expires_ms=self._queue_expires_ms)
        )
        return name
