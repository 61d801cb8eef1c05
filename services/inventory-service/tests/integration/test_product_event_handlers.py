"""Product events from the real broker: new SKUs get stock records at zero, deleted ones are
marked, and a redelivered event changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import SQL, new_sku
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import BrokerSettings
from shopkit.messaging import Envelope, Event, envelope_for, events_exchange, publish_envelope

pytestmark = pytest.mark.integration

PREFIX = "/api/inventory"


class ProductCreated(Event, frozen=True):
    """What product-service sends (the fields of its snapshot that matter here and a few more)."""

    event_type = "product.created.v1"

    product_id: str
    slug: str
    name: str
    status: str
    variants: list[dict[str, Any]]


class ProductUpdated(ProductCreated, frozen=True):
    event_type = "product.updated.v1"


class ProductDeleted(Event, frozen=True):
    event_type = "product.deleted.v1"

    product_id: str
    skus: list[str]


def variants(*skus: str) -> list[dict[str, Any]]:
    return [
        {"sku": sku, "options": {"size": "M"}, "base_price": {"amount": 1999, "currency": "EUR"}}
        for sku in skus
    ]


async def publish(broker: RabbitBroker, settings: BrokerSettings, envelope: Envelope) -> None:
    await publish_envelope(broker, events_exchange(settings), envelope)


async def wait_for_status(client: AsyncTestClient[Litestar], sku: str, status: int) -> Any:
    for _ in range(100):
        response = await client.get(f"{PREFIX}/{sku}")
        if response.status_code == status:
            return response.json()
        await asyncio.sleep(0.05)
    pytest.fail(f"GET {sku} never answered {status}")


async def test_a_new_product_gets_zero_stock_per_variant_once(
    client: AsyncTestClient[Litestar],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    sql: SQL,
) -> None:
    small, large = new_sku("TEE-S"), new_sku("TEE-L")
    created = envelope_for(
        ProductCreated(
            product_id="p-1",
            slug="tee",
            name="Tee",
            status="active",
            variants=variants(small, large),
        ),
        "product-service",
    )
    await publish(rabbit_broker, broker_settings, created)
    for sku in (small, large):
        assert await wait_for_status(client, sku, 200) == {
            "sku": sku,
            "on_hand": 0,
            "reserved": 0,
            "available": 0,
        }

    await publish(rabbit_broker, broker_settings, created)  # redelivered
    await asyncio.sleep(0.3)
    movements = await sql(
        "SELECT reason, count(*) FROM stock_movement WHERE sku = :sku GROUP BY reason", sku=small
    )
    assert movements == [("product_created", 1)]


async def test_an_update_adds_new_skus_and_leaves_counted_stock_alone(
    client: AsyncTestClient[Litestar],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    admin_headers: dict[str, str],
) -> None:
    old, new = new_sku("MUG-RED"), new_sku("MUG-BLUE")
    await client.put(f"{PREFIX}/{old}", json={"on_hand": 9}, headers=admin_headers)
    updated = ProductUpdated(
        product_id="p-2", slug="mug", name="Mug", status="active", variants=variants(old, new)
    )
    await publish(rabbit_broker, broker_settings, envelope_for(updated, "product-service"))
    assert (await wait_for_status(client, new, 200))["on_hand"] == 0
    assert (await client.get(f"{PREFIX}/{old}")).json()["on_hand"] == 9


async def test_a_deleted_product_marks_its_skus_and_keeps_the_books(
    client: AsyncTestClient[Litestar],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    admin_headers: dict[str, str],
    sql: SQL,
) -> None:
    sku = new_sku("GONE")
    await client.put(f"{PREFIX}/{sku}", json={"on_hand": 2}, headers=admin_headers)
    deleted = ProductDeleted(product_id="p-3", skus=[sku])
    await publish(rabbit_broker, broker_settings, envelope_for(deleted, "product-service"))
    for _ in range(100):
        marked = await sql("SELECT discontinued_at FROM stock_item WHERE sku = :sku", sku=sku)
        if marked[0][0] is not None:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the SKU was never marked discontinued")
    assert (await client.get(f"{PREFIX}/{sku}")).json()["on_hand"] == 2
