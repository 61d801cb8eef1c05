"""Dead letters against the real RabbitMQ: a delivery the consumer gave up on is counted and
read where it waits (reading takes nothing away), and replayed once its cause is gone: handled
once, gone from the dead-letter queue; replaying it again finds nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from _msg_support import msg_engine_fixture, session_maker_fixture, side_effects  # noqa: F401
from faststream.rabbit import RabbitBroker
from shopkit.config import BrokerSettings
from shopkit.messaging import (
    DeadLetters,
    Envelope,
    Event,
    EventConsumer,
    envelope_for,
    events_exchange,
    publish_envelope,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

pytestmark = pytest.mark.integration


class OrderPlaced(Event, frozen=True):
    event_type = "order.placed.v1"

    order_id: str


class WarehouseOfflineError(Exception):
    pass


async def _until_counted(dead_letters: DeadLetters, queue: str, count: int) -> None:
    for _ in range(200):
        counts = {c.queue: c.dead_letters for c in await dead_letters.counts()}
        if counts.get(queue) == count:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"{queue} never had {count} dead letter(s): {counts}")


async def test_a_dead_letter_is_read_in_place_and_replayed_once_its_cause_is_gone(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
) -> None:
    consumer = EventConsumer(
        rabbit_broker, session_maker, f"test-{uuid.uuid4().hex[:8]}", settings=broker_settings
    )
    handled: list[str] = []
    warehouse = {"online": False}

    @consumer.handler("order.placed.v1", name="reserve-stock")
    async def reserve(envelope: Envelope, session: AsyncSession) -> None:
        if not warehouse["online"]:
            raise WarehouseOfflineError("warehouse offline")
        handled.append(envelope.id)

    await consumer.start()
    await consumer.declare()
    [queue] = consumer.queues
    dead_letters = DeadLetters(broker_settings, lambda: consumer.queues)
    envelope = envelope_for(OrderPlaced(order_id="o-1"), "order-service")
    await publish_envelope(rabbit_broker, events_exchange(broker_settings), envelope)
    await _until_counted(dead_letters, queue, 1)

    for _ in range(2):  # reading twice: the first read took nothing away
        [dead] = await dead_letters.read(queue)
        assert dead.message_id == envelope.id
        assert dead.queue == queue
        assert dead.event_type == "order.placed.v1"
        assert dead.attempts == broker_settings.max_retries
        assert dead.error_type == "WarehouseOfflineError"
        assert dead.error is not None
        assert "warehouse offline" in dead.error
        assert '"o-1"' in dead.body
    assert await dead_letters.replay(queue, "no-such-message") is False
    await _until_counted(dead_letters, queue, 1)

    warehouse["online"] = True
    assert await dead_letters.replay(queue, envelope.id) is True
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.05)
    assert handled == [envelope.id]
    await _until_counted(dead_letters, queue, 0)
    assert await dead_letters.replay(queue, envelope.id) is False
    await asyncio.sleep(0.3)
    assert handled == [envelope.id]


async def test_a_queue_that_never_failed_counts_no_dead_letters(
    broker_settings: BrokerSettings,
) -> None:
    queue = f"{broker_settings.queue_prefix}never-declared-{uuid.uuid4().hex[:6]}"
    dead_letters = DeadLetters(broker_settings, lambda: [queue])
    [counted] = await dead_letters.counts()
    assert (counted.queue, counted.dead_letters) == (queue, 0)
    assert await dead_letters.read(queue) == []
    assert await dead_letters.replay(queue, "anything") is False
