"""Pytest fixtures for a real RabbitMQ: settings, a started broker, and event collectors.

Every test session gets its own exchange (`shopkit.events.test.<hex>`), so parallel runs on one
RabbitMQ never see each other's events, and short retry delays so retry tests stay fast.
Queues the broker's subscribers declared (with their retry and dead-letter queues) and the
exchange are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest
import pytest_asyncio
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from faststream.rabbit import RabbitBroker
from faststream.rabbit.subscriber import RabbitSubscriber

from shopkit.config import BrokerSettings
from shopkit.messaging import Envelope, RetryPolicy, decode_envelope, make_broker
from shopkit.messaging._retry import side_queue_names

__all__ = [
    "CollectorFactory",
    "EventCollector",
    "ReceivedEvent",
    "broker_settings",
    "delete_queues",
    "event_collector",
    "rabbit_broker",
]

TEST_BROKER_URL = os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One delivery as a consumer would see it, with when it arrived (monotonic seconds)."""

    body: bytes
    headers: dict[str, Any]
    routing_key: str | None
    message_id: str | None
    received_at: float

    @property
    def envelope(self) -> Envelope:
        """The body as an envelope (raises if it is not one)."""
        return decode_envelope(self.body)


@dataclass
class EventCollector:
    """Messages arriving on one queue, for `await collector.next(timeout=5)` in a test."""

    queue_name: str
    received: list[ReceivedEvent] = field(default_factory=list)
    _inbox: asyncio.Queue[ReceivedEvent] = field(default_factory=asyncio.Queue)

    async def next(self, timeout: float = 5.0) -> ReceivedEvent:  # noqa: ASYNC109 - test API
        """The next message; fails the test if none arrives within `timeout` seconds."""
        try:
            return await asyncio.wait_for(self._inbox.get(), timeout)
        except TimeoutError:
            pytest.fail(f"no message on {self.queue_name!r} within {timeout}s")

    async def assert_nothing(self, within: float = 0.5) -> None:
        """Fail if any message arrives within `within` seconds."""
        try:
            event = await asyncio.wait_for(self._inbox.get(), within)
        except TimeoutError:
            return
        pytest.fail(f"unexpected message {event.message_id} on {self.queue_name}: {event.body!r}")

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            event = ReceivedEvent(
                body=message.body,
                headers=dict(message.headers),
                routing_key=message.routing_key,
                message_id=message.message_id,
                received_at=time.monotonic(),
            )
        self.received.append(event)
        self._inbox.put_nowait(event)


CollectorFactory = Callable[..., Awaitable[EventCollector]]


async def delete_queues(url: str, names: list[str]) -> None:
    """Delete queues if they exist (a missing one is not an error)."""
    connection = await aio_pika.connect(url)
    async with connection:
        for name in names:
            channel = await connection.channel()
            try:
                await channel.queue_delete(name)
            except aio_pika.exceptions.ChannelClosed:
                continue
            await channel.close()


@pytest_asyncio.fixture(scope="session")
async def broker_settings() -> AsyncIterator[BrokerSettings]:
    """Local RabbitMQ, an exchange and queue names of this session's own, and retry delays in
    milliseconds, so a test run never takes messages from a service running on the same broker."""
    session = uuid.uuid4().hex[:12]
    settings = BrokerSettings(
        url=TEST_BROKER_URL,
        exchange=f"shopkit.events.test.{session}",
        queue_prefix=f"test.{session}.",
        queue_expires_ms=600_000,
        max_retries=3,
        retry_base_delay_ms=50,
        outbox_poll_interval_ms=50,
        outbox_idle_poll_interval_ms=100,
    )
    yield settings
    connection = await aio_pika.connect(settings.url)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(settings.exchange)


@pytest_asyncio.fixture
async def rabbit_broker(broker_settings: BrokerSettings) -> AsyncIterator[RabbitBroker]:
    """A started broker for this test; its subscribers' queues are deleted afterwards."""
    broker = make_broker(broker_settings, "shopkit-test")
    await broker.start()
    try:
        yield broker
    finally:
        queues = [
            sub.queue.name
            for sub in broker.subscribers
            if isinstance(sub, RabbitSubscriber) and not sub.queue.exclusive
        ]
        await broker.stop()
        policy = RetryPolicy.from_settings(broker_settings)
        names = [n for queue in queues for n in [queue, *side_queue_names(queue, policy)]]
        await delete_queues(broker_settings.url, names)


@pytest_asyncio.fixture
async def event_collector(broker_settings: BrokerSettings) -> AsyncIterator[CollectorFactory]:
    """`await event_collector("order.placed.v1")` binds a temporary queue to the exchange;
    `await event_collector(queue="svc.name.dlq")` reads an existing queue instead."""
    connection: AbstractRobustConnection = await aio_pika.connect_robust(broker_settings.url)
    channel: AbstractChannel = await connection.channel()

    async def collect(routing_key: str = "#", *, queue: str | None = None) -> EventCollector:
        if queue is None:
            exchange = await channel.get_exchange(broker_settings.exchange, ensure=False)
            declared = await channel.declare_queue(exclusive=True, auto_delete=True)
            await declared.bind(exchange, routing_key=routing_key)
        else:
            declared = await channel.declare_queue(queue, passive=True)
        collector = EventCollector(queue_name=declared.name)
        await declared.consume(collector._on_message)
        return collector

    # The exchange must exist before a temporary queue can be bound to it.
    await channel.declare_exchange(
        broker_settings.exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    try:
        yield collect
    finally:
        await connection.close()
