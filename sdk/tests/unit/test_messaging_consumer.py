from __future__ import annotations

import pytest
from shopkit.config import BrokerSettings
from shopkit.messaging import Envelope, EventConsumer, InvalidEventTypeError, make_broker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

pytestmark = pytest.mark.unit


async def noop(envelope: Envelope, session: AsyncSession) -> None:
    return None


def consumer() -> EventConsumer:
    settings = BrokerSettings(max_retries=4, retry_base_delay_ms=100)
    return EventConsumer(
        make_broker(settings, "inventory-service"),
        async_sessionmaker(),
        "inventory-service",
        settings=settings,
    )


def test_each_handler_gets_a_queue_named_after_the_service_and_what_it_does() -> None:
    events = consumer()
    events.handler("order.placed.v1", name="reserve-stock")(noop)
    events.handler("payment.failed.v1", name="release-stock")(noop)

    assert events.queues == ["inventory-service.reserve-stock", "inventory-service.release-stock"]
    assert events.retry_policy.delays_ms() == [100, 200, 400, 800]


def test_two_handlers_with_one_name_would_share_a_queue_and_are_refused() -> None:
    events = consumer()
    events.handler("order.placed.v1", name="reserve-stock")(noop)

    with pytest.raises(ValueError, match="already registered"):
        events.handler("order.cancelled.v1", name="reserve-stock")(noop)


def test_handler_for_an_unversioned_event_type_is_refused() -> None:
    with pytest.raises(InvalidEventTypeError):
        consumer().handler("order.placed", name="reserve-stock")
