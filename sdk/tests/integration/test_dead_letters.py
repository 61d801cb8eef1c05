"""Dead letters against the real RabbitMQ: a delivery the consumer gave up on is counted and
read where it waits (reading takes nothing away), and replayed once its cause is gone: handled
once, gone from the dead-letter queue; replaying it again finds nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from _msg_support import msg_engine_fixture, session_maker_fixture, side_effects  # noqa: F401
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import auth_middleware, verifier_from_settings
from shopkit.config import AuthSettings, BrokerSettings
from shopkit.dead_letters import dead_letters_router
from shopkit.errors import exception_handlers
from shopkit.messaging import (
    DeadLetters,
    Envelope,
    Event,
    EventConsumer,
    envelope_for,
    events_exchange,
    publish_envelope,
)
from shopkit.testing._auth import TokenFactory
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


class Warehouse:
    """The handler's cause of failure, fixed when `online` turns True; what it handled."""

    def __init__(self) -> None:
        self.online = False
        self.handled: list[str] = []

    async def reserve(self, envelope: Envelope, session: AsyncSession) -> None:
        if not self.online:
            raise WarehouseOfflineError("warehouse offline")
        self.handled.append(envelope.id)


async def _one_dead_letter(
    rabbit_broker: RabbitBroker,
    session_maker: async_sessionmaker[AsyncSession],
    broker_settings: BrokerSettings,
    warehouse: Warehouse,
) -> tuple[DeadLetters, str, Envelope]:
    """A consumer whose handler fails until the warehouse is online, and one event it gave up
    on: its DeadLetters, its queue and the event."""
    consumer = EventConsumer(
        rabbit_broker, session_maker, f"test-{uuid.uuid4().hex[:8]}", settings=broker_settings
    )
    consumer.handler("order.placed.v1", name="reserve-stock")(warehouse.reserve)
    await consumer.start()
    await consumer.declare()
    [queue] = consumer.queues
    dead_letters = DeadLetters(broker_settings, lambda: consumer.queues)
    envelope = envelope_for(OrderPlaced(order_id=uuid.uuid4().hex), "order-service")
    await publish_envelope(rabbit_broker, events_exchange(broker_settings), envelope)
    await _until_counted(dead_letters, queue, 1)
    return dead_letters, queue, envelope


async def test_a_dead_letter_is_read_in_place_and_replayed_once_its_cause_is_gone(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
) -> None:
    warehouse = Warehouse()
    dead_letters, queue, envelope = await _one_dead_letter(
        rabbit_broker, session_maker, broker_settings, warehouse
    )

    for _ in range(2):  # reading twice: the first read took nothing away
        [dead] = await dead_letters.read(queue)
        assert dead.message_id == envelope.id
        assert dead.queue == queue
        assert dead.event_type == "order.placed.v1"
        assert dead.attempts == broker_settings.max_retries
        assert dead.error_type == "WarehouseOfflineError"
        assert dead.error is not None
        assert "warehouse offline" in dead.error
        assert envelope.id in dead.body
    assert await dead_letters.replay(queue, "no-such-message") is False
    await _until_counted(dead_letters, queue, 1)

    warehouse.online = True
    assert await dead_letters.replay(queue, envelope.id) is True
    for _ in range(100):
        if warehouse.handled:
            break
        await asyncio.sleep(0.05)
    assert warehouse.handled == [envelope.id]
    await _until_counted(dead_letters, queue, 0)
    assert await dead_letters.replay(queue, envelope.id) is False
    await asyncio.sleep(0.3)
    assert warehouse.handled == [envelope.id]


async def test_a_queue_that_never_failed_counts_no_dead_letters(
    broker_settings: BrokerSettings,
) -> None:
    queue = f"{broker_settings.queue_prefix}never-declared-{uuid.uuid4().hex[:6]}"
    dead_letters = DeadLetters(broker_settings, lambda: [queue])
    [counted] = await dead_letters.counts()
    assert (counted.queue, counted.dead_letters) == (queue, 0)
    assert await dead_letters.read(queue) == []
    assert await dead_letters.replay(queue, "anything") is False


async def test_admins_list_and_replay_dead_letters_over_http_and_no_one_else_can(
    session_maker: async_sessionmaker[AsyncSession],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    auth_settings: AuthSettings,
    token_factory: TokenFactory,
) -> None:
    warehouse = Warehouse()
    letters, queue, envelope = await _one_dead_letter(
        rabbit_broker, session_maker, broker_settings, warehouse
    )

    verifier = verifier_from_settings(auth_settings)
    app = Litestar(
        [dead_letters_router(letters, "test-service")],
        middleware=[auth_middleware(verifier)],
        exception_handlers=exception_handlers(),
    )
    admin = {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}
    customer = {"Authorization": f"Bearer {token_factory(roles=('customer',))}"}
    path = "/api/ops/test-service/dead-letters"
    replay = f"{path}/{queue}/{envelope.id}/replay"
    try:
        async with AsyncTestClient(app) as client:
            assert (await client.get(path, headers=customer)).status_code == 403
            assert (await client.post(replay, headers=customer)).status_code == 403
            listed = await client.get(path, headers=admin)
            assert listed.status_code == 200, listed.text
            [seen] = listed.json()["queues"]
            assert (seen["queue"], seen["dead_letters"]) == (queue, 1)
            assert seen["items"][0]["message_id"] == envelope.id
            assert seen["items"][0]["error_type"] == "WarehouseOfflineError"

            other = await client.post(f"{path}/someone-else.queue/{envelope.id}/replay",
                                      headers=admin)  # fmt: skip
            assert other.status_code == 404
            assert other.headers["content-type"].startswith("application/problem+json")
            warehouse.online = True
            done = await client.post(replay, headers=admin)
            assert done.status_code == 200, done.text
            assert done.json() == {"queue": queue, "message_id": envelope.id}
            assert (await client.post(replay, headers=admin)).status_code == 404
            await _until_counted(letters, queue, 0)
    finally:
        await verifier.jwks.aclose()
