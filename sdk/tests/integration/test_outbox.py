from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aio_pika
import msgspec
import pytest
import pytest_asyncio
from _msg_support import msg_engine_fixture, session_maker_fixture, side_effects  # noqa: F401
from faststream.rabbit import RabbitBroker
from shopkit.config import BrokerSettings
from shopkit.messaging import (
    Event,
    Outbox,
    OutboxMessage,
    OutboxRelay,
    encode_envelope,
    envelope_for,
    events_exchange,
    make_broker,
    payload_as,
)
from shopkit.messaging._outbox import _BrokerUnavailableError
from shopkit.testing import CollectorFactory
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

pytestmark = pytest.mark.integration

UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"


class OrderPlaced(Event, frozen=True):
    event_type = "order.placed.v1"

    order_id: str
    total: int


def relay_for(
    session_maker: async_sessionmaker[AsyncSession],
    broker: RabbitBroker,
    settings: BrokerSettings,
) -> OutboxRelay:
    return OutboxRelay(
        session_maker,
        broker,
        events_exchange(settings),
        poll_interval=settings.outbox_poll_interval_ms / 1000,
        max_backoff=0.2,
    )


async def place_order(session_maker: async_sessionmaker[AsyncSession], order_id: str) -> str:
    """A state change and its event in one transaction, as a service would write them."""
    async with session_maker() as session, session.begin():
        await session.execute(insert(side_effects).values(key=order_id))
        envelope = Outbox.add(session, OrderPlaced(order_id=order_id, total=1999), "order-service")
    return envelope.id


async def outbox_rows(session_maker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with session_maker() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


@pytest_asyncio.fixture
async def unreachable_broker(broker_settings: BrokerSettings) -> AsyncIterator[RabbitBroker]:
    broker = make_broker(
        BrokerSettings(url=UNREACHABLE, exchange=broker_settings.exchange), "order-service"
    )
    yield broker
    await broker.stop()


async def test_event_committed_with_a_change_is_published_after_commit(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector("order.placed.v1")
    relay = relay_for(session_maker, rabbit_broker, broker_settings)
    await relay.start()
    try:
        event_id = await place_order(session_maker, "o-1")
        received = await collector.next(timeout=5)
    finally:
        await relay.stop()

    assert received.envelope.id == event_id
    assert received.message_id == event_id
    assert received.routing_key == "order.placed.v1"
    assert payload_as(received.envelope, OrderPlaced) == OrderPlaced(order_id="o-1", total=1999)
    [row] = await outbox_rows(session_maker)
    assert row.published_at is not None
    assert row.attempts == 1


async def test_commit_wakes_the_relay_without_waiting_for_the_next_poll(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector("order.placed.v1")
    relay = OutboxRelay(session_maker, rabbit_broker, events_exchange(broker_settings), 30.0)
    await relay.start()
    try:
        await asyncio.sleep(0.2)  # the first round has run; the next poll is 30 s away
        event_id = await place_order(session_maker, "o-fast")
        assert (await collector.next(timeout=2)).envelope.id == event_id
    finally:
        await relay.stop()


async def test_an_idle_relay_polls_less_often_and_still_finds_rows_no_commit_announced(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector("order.placed.v1")
    relay = OutboxRelay(
        session_maker,
        rabbit_broker,
        events_exchange(broker_settings),
        poll_interval=0.05,
        idle_poll_interval=0.4,
    )
    rounds = 0
    relay_once = relay.relay_once

    async def counted() -> int:
        nonlocal rounds
        rounds += 1
        return await relay_once()

    relay.relay_once = counted  # type: ignore[method-assign]
    await relay.start()
    try:
        await asyncio.sleep(1.5)
        # 0.05, 0.1, 0.2, 0.4, 0.4, ...: about 6 polls in 1.5 s instead of 30.
        assert 3 <= rounds <= 9
        # A row written by another process (no commit here to wake the relay) is still
        # published by the next poll, within the idle interval.
        envelope = envelope_for(OrderPlaced(order_id="o-idle", total=1), "order-service")
        async with session_maker() as session, session.begin():
            await session.execute(
                insert(OutboxMessage).values(
                    id=uuid.UUID(envelope.id),
                    event_type=envelope.type,
                    payload=encode_envelope(envelope),
                    created_at=envelope.occurred_at,
                    attempts=0,
                )
            )
        assert (await collector.next(timeout=2)).envelope.id == envelope.id
    finally:
        await relay.stop()


async def test_relay_declares_the_exchange_it_publishes_to(
    session_maker: async_sessionmaker[AsyncSession], broker_settings: BrokerSettings
) -> None:
    settings = BrokerSettings(url=broker_settings.url, exchange=f"{broker_settings.exchange}.new")
    broker = make_broker(settings, "order-service")
    await place_order(session_maker, "o-first-ever")
    try:
        assert await relay_for(session_maker, broker, settings).relay_once() == 1
    finally:
        await broker.stop()
        connection = await aio_pika.connect(settings.url)
        async with connection:
            await (await connection.channel()).exchange_delete(settings.exchange)


async def test_rolled_back_transaction_publishes_nothing(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector("order.#")
    async with session_maker() as session, session.begin():
        Outbox.add(session, OrderPlaced(order_id="o-2", total=1), "order-service")
        await session.rollback()

    assert await relay_for(session_maker, rabbit_broker, broker_settings).relay_once() == 0
    assert await outbox_rows(session_maker) == []
    await collector.assert_nothing(within=0.3)


async def test_event_waits_while_the_broker_is_down_and_goes_out_when_it_is_back(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    unreachable_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector("order.placed.v1")
    down = relay_for(session_maker, unreachable_broker, broker_settings)
    await down.start()
    try:
        event_id = await place_order(session_maker, "o-3")
        for _ in range(100):
            [row] = await outbox_rows(session_maker)
            if row.attempts >= 2:
                break
            await asyncio.sleep(0.05)
        assert down.running, "the relay loop must survive an unreachable broker"
    finally:
        await down.stop()

    assert row.published_at is None
    assert row.attempts >= 2
    assert row.last_error
    await collector.assert_nothing(within=0.2)

    back = relay_for(session_maker, rabbit_broker, broker_settings)
    assert await back.relay_once() == 1
    assert (await collector.next(timeout=5)).envelope.id == event_id
    [row] = await outbox_rows(session_maker)
    assert row.published_at is not None
    assert row.last_error is None


async def test_two_relays_at_once_publish_each_event_exactly_once(
    session_maker: async_sessionmaker[AsyncSession],
    broker_settings: BrokerSettings,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector("order.placed.v1")
    async with session_maker() as session, session.begin():
        ids = {
            Outbox.add(session, OrderPlaced(order_id=f"o-{n}", total=n), "order-service").id
            for n in range(300)
        }
    brokers = [make_broker(broker_settings, "order-service") for _ in range(2)]
    relays = [
        OutboxRelay(session_maker, broker, events_exchange(broker_settings), 0.01, batch_size=7)
        for broker in brokers
    ]
    try:
        await asyncio.gather(*(relay.start() for relay in relays))
        received = [(await collector.next(timeout=10)).envelope.id for _ in ids]
        await collector.assert_nothing(within=0.5)
    finally:
        for relay in relays:
            await relay.stop()
        for broker in brokers:
            await broker.stop()

    assert len(received) == len(set(received)) == len(ids)
    assert set(received) == ids
    async with session_maker() as session:
        unpublished = await session.scalar(
            select(func.count()).where(OutboxMessage.published_at.is_(None))
        )
    assert unpublished == 0


async def test_purge_removes_only_old_published_rows(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
) -> None:
    await place_order(session_maker, "old")
    relay = relay_for(session_maker, rabbit_broker, broker_settings)
    assert await relay.relay_once() == 1
    async with session_maker() as session, session.begin():
        await session.execute(
            update(OutboxMessage).values(published_at=datetime.now(UTC) - timedelta(days=30))
        )
    await place_order(session_maker, "recent")
    assert await relay.relay_once() == 1
    await place_order(session_maker, "pending")

    assert await relay.purge_published(timedelta(days=7)) == 1
    remaining = await outbox_rows(session_maker)
    orders = sorted(msgspec.json.decode(row.payload)["payload"]["order_id"] for row in remaining)
    assert orders == ["pending", "recent"]


async def test_a_round_stopped_by_the_broker_leaves_the_rest_of_its_batch_untried(
    session_maker: async_sessionmaker[AsyncSession],
    unreachable_broker: RabbitBroker,
    broker_settings: BrokerSettings,
) -> None:
    for n in range(3):
        await place_order(session_maker, f"o-batch-{n}")

    with pytest.raises(_BrokerUnavailableError):  # nothing went out this round
        await relay_for(session_maker, unreachable_broker, broker_settings).relay_once()

    rows = sorted(await outbox_rows(session_maker), key=lambda r: (r.created_at, r.id))
    assert [r.published_at for r in rows] == [None, None, None]
    assert [r.attempts for r in rows] == [1, 0, 0]  # the first was tried; the others wait
    assert rows[0].last_error
    assert rows[1].last_error is None
    assert rows[2].last_error is None
