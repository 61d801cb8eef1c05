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
    assert (await client.get(f"{PREFIX}/{sku}", headers=admin_headers)).json()["on_hand"] == 2
    # No longer on sale: the public is told nothing about it.
    assert (await client.get(f"{PREFIX}/{sku}")).status_code == 404


# --- stock of products not on sale is not public ---------------------------------------------


class ProductSnapshotEvent(Event, frozen=True):
    """product-service's snapshot as it really is: with the status and its `updated_at`."""

    event_type = "product.updated.v1"

    product_id: str
    slug: str
    name: str
    status: str
    variants: list[dict[str, Any]]
    updated_at: str


class ProductCreatedEvent(ProductSnapshotEvent, frozen=True):
    event_type = "product.created.v1"


async def wait_for_admin_status(
    client: AsyncTestClient[Litestar], sku: str, status: str, sql: SQL
) -> None:
    for _ in range(100):
        rows = await sql("SELECT product_status FROM stock_item WHERE sku = :sku", sku=sku)
        if rows and rows[0][0] == status:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"{sku} never became {status}")


async def send_snapshot(
    broker: RabbitBroker,
    settings: BrokerSettings,
    sku: str,
    status: str,
    at: str,
    event: type[ProductSnapshotEvent] = ProductSnapshotEvent,
) -> None:
    snapshot = event(
        product_id=f"p-{sku}",
        slug=sku.lower(),
        name="Headphones",
        status=status,
        variants=variants(sku),
        updated_at=at,
    )
    await publish(broker, settings, envelope_for(snapshot, "product-service"))


async def test_stock_of_a_draft_product_is_404_for_the_public_and_shown_to_admins(
    client: AsyncTestClient[Litestar],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    service_headers: dict[str, str],
    sql: SQL,
) -> None:
    draft = new_sku("DRAFT")
    await send_snapshot(
        rabbit_broker,
        broker_settings,
        draft,
        "draft",
        "2026-12-01T10:00:00Z",
        event=ProductCreatedEvent,
    )
    await wait_for_admin_status(client, draft, "draft", sql)
    await client.put(f"{PREFIX}/{draft}", json={"on_hand": 7}, headers=admin_headers)

    for headers in ({}, customer_headers):
        one = await client.get(f"{PREFIX}/{draft}", headers=headers)
        assert one.status_code == 404, one.text
        assert one.json()["code"] == "sku-not-found"  # the same answer as a SKU never stocked
        listed = await client.get(PREFIX, params={"skus": draft}, headers=headers)
        assert listed.json() == {"items": []}
    for headers in (admin_headers, service_headers):
        seen = await client.get(f"{PREFIX}/{draft}", headers=headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["on_hand"] == 7
        listed = await client.get(PREFIX, params={"skus": draft}, headers=headers)
        assert [item["sku"] for item in listed.json()["items"]] == [draft]


async def test_publishing_shows_the_stock_archiving_hides_it_and_a_late_snapshot_changes_nothing(
    client: AsyncTestClient[Litestar],
    rabbit_broker: RabbitBroker,
    broker_settings: BrokerSettings,
    sql: SQL,
) -> None:
    sku = new_sku("PUB")
    await send_snapshot(rabbit_broker, broker_settings, sku, "draft", "2026-12-01T10:00:00Z")
    await wait_for_admin_status(client, sku, "draft", sql)
    assert (await client.get(f"{PREFIX}/{sku}")).status_code == 404

    await send_snapshot(rabbit_broker, broker_settings, sku, "active", "2026-12-01T11:00:00Z")
    assert (await wait_for_status(client, sku, 200))["on_hand"] == 0

    await send_snapshot(rabbit_broker, broker_settings, sku, "archived", "2026-12-01T12:00:00Z")
    await wait_for_status(client, sku, 404)

    # The 11:00 "active" snapshot delivered again, late: the 12:00 "archived" one stands.
    await send_snapshot(rabbit_broker, broker_settings, sku, "active", "2026-12-01T11:00:00Z")
    await asyncio.sleep(0.5)
    assert (await sql("SELECT product_status FROM stock_item WHERE sku = :sku", sku=sku)) == [
        ("archived",)
    ]
    assert (await client.get(f"{PREFIX}/{sku}")).status_code == 404
