from __future__ import annotations

import importlib

import pytest
from faststream.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from shopkit.config import BrokerSettings
from shopkit.messaging import (
    BrokerConfigError,
    Envelope,
    Event,
    decode_envelope,
    envelope_for,
    events_exchange,
    make_broker,
    publish_envelope,
)

pytestmark = pytest.mark.unit


class StockChanged(Event, frozen=True):
    event_type = "inventory.stock_changed.v1"

    sku: str
    available: int


def test_amqp_url_gives_a_rabbit_broker() -> None:
    assert isinstance(make_broker(BrokerSettings(), "order-service"), RabbitBroker)
    amqps = BrokerSettings(url="amqps://user:pw@rabbit.example:5671/")
    assert isinstance(make_broker(amqps, "order-service"), RabbitBroker)


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(BrokerConfigError, match="not supported"):
        make_broker(BrokerSettings(url="mqtt://127.0.0.1"), "order-service")


@pytest.mark.parametrize("url", ["nats://127.0.0.1:4222", "kafka://127.0.0.1:9092"])
def test_other_transport_without_its_extra_names_what_to_install(url: str) -> None:
    scheme = url.split(":", 1)[0]
    try:
        importlib.import_module(f"faststream.{scheme}")
    except ImportError:
        pass
    else:
        pytest.skip(f"faststream[{scheme}] is installed here")
    with pytest.raises(BrokerConfigError, match=rf"faststream\[{scheme}\]"):
        make_broker(BrokerSettings(url=url), "order-service")


def test_events_exchange_is_a_durable_topic_exchange() -> None:
    exchange = events_exchange(BrokerSettings())

    assert exchange.name == "shopkit.events"
    assert exchange.type.value == "topic"
    assert exchange.durable


async def test_published_envelope_is_routed_by_event_type_with_its_id() -> None:
    settings = BrokerSettings(exchange="shopkit.events")
    broker = make_broker(settings, "inventory-service")
    exchange = events_exchange(settings)
    received: list[tuple[Envelope, str | None, dict[str, object]]] = []

    @broker.subscriber(RabbitQueue("t.inventory", routing_key="inventory.*.v1"), exchange)
    async def on_inventory(message: RabbitMessage) -> None:
        received.append((decode_envelope(message.body), message.message_id, message.headers))

    @broker.subscriber(RabbitQueue("t.orders", routing_key="order.#"), exchange)
    async def on_orders(message: RabbitMessage) -> None:
        raise AssertionError("routed by event type: an inventory event is not an order event")

    envelope = envelope_for(StockChanged(sku="SKU-1", available=3), "inventory-service", "r-1")
    async with TestRabbitBroker(broker):
        await publish_envelope(broker, exchange, envelope)

    [(got, message_id, _headers)] = received
    assert got == envelope
    assert message_id == envelope.id
