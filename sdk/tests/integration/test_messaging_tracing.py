from __future__ import annotations

import asyncio
import uuid

import pytest
from _msg_support import msg_engine_fixture, session_maker_fixture  # noqa: F401
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from shopkit.config import BrokerSettings
from shopkit.messaging import (
    Envelope,
    Event,
    EventConsumer,
    Outbox,
    OutboxRelay,
    RetryPolicy,
    events_exchange,
    make_broker,
)
from shopkit.messaging._retry import side_queue_names
from shopkit.testing._broker import delete_queues
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

pytestmark = pytest.mark.integration


class OrderPlaced(Event, frozen=True):
    event_type = "order.placed.v1"

    order_id: str


async def test_one_trace_spans_the_request_the_outbox_relay_and_the_consumer(
    session_maker: async_sessionmaker[AsyncSession],
    broker_settings: BrokerSettings,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("checkout")

    producer = make_broker(broker_settings, "order-service", tracer_provider=provider)
    consumer_broker = make_broker(broker_settings, "inventory-service", tracer_provider=provider)
    consumer = EventConsumer(
        consumer_broker, session_maker, f"test-{uuid.uuid4().hex[:8]}", settings=broker_settings
    )
    seen: asyncio.Queue[tuple[int, str | None]] = asyncio.Queue()

    @consumer.handler("order.placed.v1", name="reserve-stock")
    async def reserve_stock(envelope: Envelope, session: AsyncSession) -> None:
        seen.put_nowait((trace.get_current_span().get_span_context().trace_id, envelope.id))

    relay = OutboxRelay(session_maker, producer, events_exchange(broker_settings), 0.05)
    await consumer_broker.start()
    await relay.start()
    try:
        with tracer.start_as_current_span("POST /api/orders") as request_span:
            async with session_maker() as session, session.begin():
                envelope = Outbox.add(session, OrderPlaced(order_id="o-1"), "order-service")
        # The request has ended; the relay publishes later, from its own task.
        consumer_trace_id, event_id = await asyncio.wait_for(seen.get(), 5)
    finally:
        await relay.stop()
        await producer.stop()
        await consumer_broker.stop()
        policy = RetryPolicy.from_settings(broker_settings)
        await delete_queues(
            broker_settings.url,
            [name for q in consumer.queues for name in [q, *side_queue_names(q, policy)]],
        )

    request_trace_id = request_span.get_span_context().trace_id
    assert event_id == envelope.id
    assert consumer_trace_id == request_trace_id
    spans = exporter.get_finished_spans()
    kinds = {span.kind for span in spans if span.context.trace_id == request_trace_id}
    assert {trace.SpanKind.PRODUCER, trace.SpanKind.CONSUMER} <= kinds
