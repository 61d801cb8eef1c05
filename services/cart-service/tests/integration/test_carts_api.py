"""Carts through HTTP against real Redis, PostgreSQL and RabbitMQ, priced by the
contract-backed stand-in for product- and inventory-service: what a shopper sees and may do."""

from __future__ import annotations

import msgspec
import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import client_for, free_port

from cart_service.app import create_app
from cart_service.config import Settings, UpstreamSettings

pytestmark = pytest.mark.integration

CARTS = "/api/carts"
Client = AsyncTestClient[Litestar]


async def new_guest_cart(client: Client, currency: str | None = None) -> str:
    response = await client.post(CARTS, json={"currency": currency} if currency else {})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_guest_cart_starts_empty_in_euros_with_an_unguessable_id(client: Client) -> None:
    response = await client.post(CARTS)
    assert response.status_code == 201, response.text
    cart = response.json()
    assert cart == {
        "id": cart["id"],
        "currency": "EUR",
        "customer_id": None,
        "lines": [],
        "total": {"amount": 0, "currency": "EUR"},
        "item_count": 0,
        "unavailable_skus": [],
    }
    assert len(cart["id"]) >= 32
    assert cart["id"] != await new_guest_cart(client)


async def test_lines_are_priced_at_read_time_in_the_carts_currency(client: Client) -> None:
    cart_id = await new_guest_cart(client)
    added = await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 2})
    assert added.status_code == 200, added.text
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1})

    cart = (await client.get(f"{CARTS}/{cart_id}")).json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [
        ("SKU-1", 2),
        ("SKU-2", 1),
    ]
    first = cart["lines"][0]
    assert first["name"] == "Product SKU-1"
    assert first["image"].endswith("sku-1.jpg")
    assert first["unit_price"] == {"amount": 1999, "currency": "EUR"}
    assert first["line_total"] == {"amount": 3998, "currency": "EUR"}
    assert first["available"] == 500
    assert cart["total"] == {"amount": 5997, "currency": "EUR"}
    assert cart["item_count"] == 3

    in_yen = (await client.get(f"{CARTS}/{cart_id}", params={"currency": "JPY"})).json()
    assert in_yen["total"] == {"amount": 3 * 3238, "currency": "JPY"}
    assert in_yen["lines"][0]["unit_price"] == {"amount": 3238, "currency": "JPY"}


async def test_redis_holds_skus_and_quantities_only(
    client: Client, redis: aioredis.Redis, settings: Settings
) -> None:
    cart_id = await new_guest_cart(client)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 2})
    stored = await redis.hgetall(f"{settings.cart.key_prefix}:{cart_id}:lines")
    assert stored == {"SKU-1": "2"}


async def test_adding_again_adds_to_the_line_and_a_line_stops_at_99(client: Client) -> None:
    cart_id = await new_guest_cart(client)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 60})
    cart = (
        await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 60})
    ).json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [("SKU-1", 99)]


async def test_patch_sets_and_delete_removes_a_line(client: Client) -> None:
    cart_id = await new_guest_cart(client)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 5})
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1})

    patched = await client.patch(f"{CARTS}/{cart_id}/items/SKU-1", json={"quantity": 2})
    assert patched.status_code == 200, patched.text
    assert patched.json()["item_count"] == 3

    removed = await client.delete(f"{CARTS}/{cart_id}/items/SKU-2")
    assert removed.status_code == 200, removed.text
    assert [line["sku"] for line in removed.json()["lines"]] == ["SKU-1"]

    missing = await client.patch(f"{CARTS}/{cart_id}/items/SKU-2", json={"quantity": 1})
    assert missing.status_code == 404
    assert missing.json()["code"] == "line-not-found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "SKU-1", "quantity": 0}, "quantity"),
        ({"sku": "SKU-1", "quantity": 100}, "quantity"),
        ({"sku": "SKU-1", "quantity": "2"}, "quantity"),
        ({"sku": "", "quantity": 1}, "sku"),
        ({"sku": "NOPE-404", "quantity": 1}, "sku"),
        ({"sku": "OLD-1", "quantity": 1}, "sku"),
    ],
)
async def test_bad_lines_are_422_naming_the_field_and_change_nothing(
    client: Client, body: dict[str, object], field: str
) -> None:
    cart_id = await new_guest_cart(client)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1})
    refused = await client.post(f"{CARTS}/{cart_id}/items", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["invalid_params"][0]["name"] == field
    lines = (await client.get(f"{CARTS}/{cart_id}")).json()["lines"]
    assert [(line["sku"], line["quantity"]) for line in lines] == [("SKU-2", 1)]


async def test_more_than_available_is_409_naming_quantity_with_the_count(client: Client) -> None:
    cart_id = await new_guest_cart(client)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "LOW-1", "quantity": 2})
    refused = await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "LOW-1", "quantity": 2})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "not-enough-stock"
    assert problem["invalid_params"] == [{"name": "quantity", "reason": "only 3 available"}]
    too_many = await client.patch(f"{CARTS}/{cart_id}/items/LOW-1", json={"quantity": 4})
    assert too_many.status_code == 409
    none_left = await client.post(
        f"{CARTS}/{cart_id}/items", json={"sku": "NOSTOCK-1", "quantity": 1}
    )
    assert none_left.status_code == 409
    lines = (await client.get(f"{CARTS}/{cart_id}")).json()["lines"]
    assert [(line["sku"], line["quantity"], line["available"]) for line in lines] == [
        ("LOW-1", 2, 3)
    ]


async def test_unsupported_currencies_are_422(client: Client) -> None:
    created = await client.post(CARTS, json={"currency": "XYZ"})
    assert created.status_code == 422
    assert created.json()["invalid_params"][0]["name"] == "currency"
    cart_id = await new_guest_cart(client, "USD")
    shown = await client.get(f"{CARTS}/{cart_id}", params={"currency": "CHF"})
    assert shown.status_code == 422
    assert shown.json()["invalid_params"][0]["name"] == "currency"


async def test_an_unknown_cart_is_404_problem(client: Client) -> None:
    response = await client.get(f"{CARTS}/not-a-cart")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    added = await client.post(f"{CARTS}/not-a-cart/items", json={"sku": "SKU-1", "quantity": 1})
    assert added.status_code == 404


async def test_guest_carts_slide_their_expiry_and_customer_carts_are_kept(
    client: Client,
    redis: aioredis.Redis,
    settings: Settings,
    customer_headers: dict[str, str],
) -> None:
    week = settings.cart.guest_ttl_seconds
    assert week == 7 * 24 * 3600
    cart_id = await new_guest_cart(client)
    key = f"{settings.cart.key_prefix}:{cart_id}"
    assert week - 5 <= await redis.ttl(key) <= week

    await redis.expire(key, 60)
    await client.get(f"{CARTS}/{cart_id}")
    assert await redis.ttl(key) > week - 5

    await redis.expire(key, 60)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 1})
    assert await redis.ttl(key) > week - 5
    assert await redis.ttl(f"{key}:lines") > week - 5

    own = (await client.post(CARTS, headers=customer_headers)).json()
    await client.post(
        f"{CARTS}/{own['id']}/items", json={"sku": "SKU-1", "quantity": 1}, headers=customer_headers
    )
    assert await redis.ttl(f"{settings.cart.key_prefix}:{own['id']}") == -1
    assert await redis.ttl(f"{settings.cart.key_prefix}:{own['id']}:lines") == -1


async def test_product_service_down_is_503_not_a_wrong_cart(
    settings: Settings, client: Client
) -> None:
    cart_id = await new_guest_cart(client)
    await client.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 1})
    down = UpstreamSettings(base_url=f"http://127.0.0.1:{free_port()}")
    broken = msgspec.structs.replace(settings, product_service=down)
    async with client_for(create_app(broken)) as cut_off:
        response = await cut_off.get(f"{CARTS}/{cart_id}")
        refused = await cut_off.post(
            f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1}
        )
    assert response.status_code == 503
    assert response.json()["code"] == "dependency-unavailable"
    assert refused.status_code == 503
    lines = (await client.get(f"{CARTS}/{cart_id}")).json()["lines"]
    assert [line["sku"] for line in lines] == ["SKU-1"]


async def test_ready_checks_database_broker_and_redis(client: Client) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker", "redis"}
