from __future__ import annotations

import asyncio
import itertools
import time
import uuid

import pytest
from _msg_support import msg_engine_fixture, session_maker_fixture, side_effects  # noqa: F401
from faststream.rabbit import RabbitBroker
from shopkit.config import BrokerSettings
from shopkit.messaging import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    ERROR_TYPE_HEADER,
    Envelope,
    Event,
    EventConsumer,
    InboxMessage,
    Outbox,
    OutboxMessage,
    dlq_name,
    envelope_for,
    events_exchange,
    payload_as,
    publish_envelope,
)
from shopkit.testing import CollectorFactory
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

pytestmark = pytest.mark.integration


class OrderPlaced(Event, frozen=True):
    event_type = "order.placed.v1"

    order_id: str


class StockReserved(Event, frozen=True):
    event_type = "inventory.reserved.v1"

    order_id: str


class OrderPlacedView(Event, frozen=True):
    order_id: str


class HandlerFailedError(Exception):
    pass


async def side_effect_keys(session_maker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with session_maker() as session:
        return list((await session.scalars(select(side_effects.c.key))).all())


async def count(session_maker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with session_maker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def consumer_for(
    rabbit_broker: RabbitBroker,
    session_maker: async_sessionmaker[AsyncSession],
    broker_settings: BrokerSettings,
) -> EventConsumer:
    return EventConsumer(
        rabbit_broker,
        session_maker,
        f"test-{uuid.uuid4().hex[:8]}",
        settings=broker_settings,
    )


async def publish(broker: RabbitBroker, settings: BrokerSettings, envelope: Envelope) -> None:
    await publish_envelope(broker, events_exchange(settings), envelope)


async def test_same_event_delivered_twice_is_handled_once(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    consumer = await consumer_for(rabbit_broker, session_maker, broker_settings)
    handled: asyncio.Queue[str] = asyncio.Queue()

    @consumer.handler("order.placed.v1", name="reserve-stock")
    async def reserve_stock(envelope: Envelope, session: AsyncSession) -> None:
        order = payload_as(envelope, OrderPlacedView)
        await session.execute(insert(side_effects).values(key=order.order_id))
        Outbox.add(session, StockReserved(order_id=order.order_id), "inventory-service")
        handled.put_nowait(order.order_id)

    await consumer.start()
    reserved = await event_collector("inventory.reserved.v1")
    duplicate = envelope_for(OrderPlaced(order_id="o-1"), "order-service")
    await publish(rabbit_broker, broker_settings, duplicate)
    await publish(rabbit_broker, broker_settings, duplicate)
    # A later event behind the duplicate: once it is handled, the duplicate has been seen.
    await publish(
        rabbit_broker, broker_settings, envelope_for(OrderPlaced(order_id="o-2"), "order-service")
    )
    seen = [await asyncio.wait_for(handled.get(), 5) for _ in range(2)]
    await asyncio.sleep(0.3)

    assert seen == ["o-1", "o-2"]
    assert handled.empty()
    assert sorted(await side_effect_keys(session_maker)) == ["o-1", "o-2"]
    assert await count(session_maker, InboxMessage) == 2
    # The handler's outbox event committed with its change, once per order.
    assert await count(session_maker, OutboxMessage) == 2
    await reserved.assert_nothing(within=0.1)


async def test_always_failing_handler_ends_in_the_dlq_after_max_retries_with_growing_delays(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    consumer = await consumer_for(rabbit_broker, session_maker, broker_settings)
    calls: list[float] = []

    @consumer.handler("order.placed.v1", name="always-fails")
    async def always_fails(envelope: Envelope, session: AsyncSession) -> None:
        calls.append(time.monotonic())
        await session.execute(insert(side_effects).values(key="must roll back"))
        raise HandlerFailedError("warehouse offline")

    await consumer.start()
    await consumer.declare()
    [queue] = consumer.queues
    dead = await event_collector(queue=dlq_name(queue))
    envelope = envelope_for(OrderPlaced(order_id="o-9"), "order-service")
    await publish(rabbit_broker, broker_settings, envelope)

    dead_letter = await dead.next(timeout=10)
    await asyncio.sleep(0.5)

    max_retries = broker_settings.max_retries
    assert len(calls) == 1 + max_retries
    gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
    expected = consumer.retry_policy.delays_ms()
    # Each retry waited at least its back-off delay, and the delays grow. (The measured gaps
    # also hold broker scheduling time, so on a busy machine they need not grow themselves.)
    assert all(gap >= delay / 1000 * 0.9 for gap, delay in zip(gaps, expected, strict=True))
    assert all(later > earlier for earlier, later in itertools.pairwise(expected)), expected
    assert dead_letter.envelope == envelope
    assert dead_letter.headers[ATTEMPT_HEADER] == max_retries
    assert dead_letter.headers[ERROR_TYPE_HEADER] == "HandlerFailedError"
    assert "warehouse offline" in dead_letter.headers[ERROR_HEADER]
    assert await side_effect_keys(session_maker) == []
    assert await count(session_maker, InboxMessage) == 0
    await dead.assert_nothing(within=0.1)


async def test_handler_that_fails_twice_then_succeeds_is_handled_once(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    consumer = await consumer_for(rabbit_broker, session_maker, broker_settings)
    attempts: list[str] = []
    done = asyncio.Event()

    @consumer.handler("order.placed.v1", name="flaky")
    async def flaky(envelope: Envelope, session: AsyncSession) -> None:
        attempts.append(envelope.id)
        await session.execute(insert(side_effects).values(key=f"attempt {len(attempts)}"))
        if len(attempts) <= 2:
            raise HandlerFailedError("temporary")
        done.set()

    await consumer.start()
    await consumer.declare()
    dead = await event_collector(queue=dlq_name(consumer.queues[0]))
    envelope = envelope_for(OrderPlaced(order_id="o-5"), "order-service")
    await publish(rabbit_broker, broker_settings, envelope)

    await asyncio.wait_for(done.wait(), 5)
    await asyncio.sleep(0.5)

    assert attempts == [envelope.id] * 3
    assert await side_effect_keys(session_maker) == ["attempt 3"]
    assert await count(session_maker, InboxMessage) == 1
    await dead.assert_nothing(within=0.1)


async def test_a_body_that_is_not_an_envelope_goes_straight_to_the_dlq(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    consumer = await consumer_for(rabbit_broker, session_maker, broker_settings)
    calls: list[Envelope] = []

    @consumer.handler("order.placed.v1", name="strict")
    async def strict(envelope: Envelope, session: AsyncSession) -> None:
        calls.append(envelope)

    await consumer.start()
    await consumer.declare()
    queue = consumer.queues[0]
    dead = await event_collector(queue=dlq_name(queue))
    await rabbit_broker.publish(
        b'{"not": "an envelope"}',
        exchange=events_exchange(broker_settings),
        routing_key="order.placed.v1",
    )

    dead_letter = await dead.next(timeout=5)

    assert calls == []
    assert dead_letter.body == b'{"not": "an envelope"}'
    assert dead_letter.headers[ATTEMPT_HEADER] == 0
    assert dead_letter.headers[ERROR_TYPE_HEADER] == "ValidationError"
