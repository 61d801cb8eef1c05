"""Whose cart is whose: a customer cart answers only to its owner (admins may read it), a guest
cart to whoever holds its id; claiming merges a guest cart into the customer's, capped by stock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from litestar.testing import AsyncTestClient

from cart_service.config import Settings

pytestmark = pytest.mark.integration

CARTS = "/api/carts"
Client = AsyncTestClient[Litestar]
Headers = dict[str, str]


def lines_of(cart: dict[str, object]) -> list[tuple[str, int]]:
    return [(line["sku"], line["quantity"]) for line in cart["lines"]]  # type: ignore[attr-defined,index]


async def test_a_customer_has_one_cart_created_once(
    client: Client, token_factory: Callable[..., str]
) -> None:
    customer_id = "user-one-cart"
    headers = {"Authorization": f"Bearer {token_factory(subject=customer_id)}"}
    first = await client.post(CARTS, json={"currency": "GBP"}, headers=headers)
    second = await client.post(CARTS, headers=headers)
    assert first.status_code == 201, first.text
    assert second.status_code == 200, second.text
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["customer_id"] == customer_id
    assert second.json()["currency"] == "GBP"


async def test_a_customer_cart_is_404_to_everyone_but_its_owner_and_admins_may_read_it(
    client: Client,
    customer_headers: Headers,
    other_customer_headers: Headers,
    admin_headers: Headers,
) -> None:
    cart_id = (await client.post(CARTS, headers=customer_headers)).json()["id"]
    await client.post(
        f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 1}, headers=customer_headers
    )
    assert (await client.get(f"{CARTS}/{cart_id}", headers=customer_headers)).status_code == 200

    for headers in ({}, other_customer_headers):
        read = await client.get(f"{CARTS}/{cart_id}", headers=headers)
        assert read.status_code == 404
        assert "lines" not in read.json()
        write = await client.post(
            f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1}, headers=headers
        )
        assert write.status_code == 404
        assert (
            await client.delete(f"{CARTS}/{cart_id}/items/SKU-1", headers=headers)
        ).status_code == 404

    admin_read = await client.get(f"{CARTS}/{cart_id}", headers=admin_headers)
    assert admin_read.status_code == 200
    assert lines_of(admin_read.json()) == [("SKU-1", 1)]
    admin_write = await client.post(
        f"{CARTS}/{cart_id}/items", json={"sku": "SKU-2", "quantity": 1}, headers=admin_headers
    )
    assert admin_write.status_code == 404
    owner_view = await client.get(f"{CARTS}/{cart_id}", headers=customer_headers)
    assert lines_of(owner_view.json()) == [("SKU-1", 1)]


async def test_a_guest_cart_answers_to_anyone_holding_its_id(
    client: Client, customer_headers: Headers
) -> None:
    cart_id = (await client.post(CARTS)).json()["id"]
    added = await client.post(
        f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 1}, headers=customer_headers
    )
    assert added.status_code == 200
    assert (await client.get(f"{CARTS}/{cart_id}")).json()["item_count"] == 1


async def test_claim_merges_quantities_capped_by_stock_and_deletes_the_guest_cart(
    client: Client, customer_headers: Headers, redis: aioredis.Redis, settings: Settings
) -> None:
    own_id = (await client.post(CARTS, headers=customer_headers)).json()["id"]
    for sku, quantity in (("SKU-1", 2), ("LOW-1", 2), ("TEE-01", 90)):
        await client.post(
            f"{CARTS}/{own_id}/items",
            json={"sku": sku, "quantity": quantity},
            headers=customer_headers,
        )
    guest_id = (await client.post(CARTS)).json()["id"]
    for sku, quantity in (("SKU-1", 3), ("LOW-1", 2), ("TEE-01", 20), ("SKU-2", 1)):
        await client.post(f"{CARTS}/{guest_id}/items", json={"sku": sku, "quantity": quantity})

    claimed = await client.post(f"{CARTS}/{guest_id}/claim", headers=customer_headers)
    assert claimed.status_code == 200, claimed.text
    cart = claimed.json()
    assert cart["id"] == own_id
    # added; capped by the 3 available; capped at 99 per line; new line
    assert lines_of(cart) == [("LOW-1", 3), ("SKU-1", 5), ("SKU-2", 1), ("TEE-01", 99)]

    assert (await client.get(f"{CARTS}/{guest_id}")).status_code == 404
    assert not await redis.exists(f"{settings.cart.key_prefix}:{guest_id}")
    again = await client.post(f"{CARTS}/{guest_id}/claim", headers=customer_headers)
    assert again.status_code == 404


async def test_claim_makes_the_customer_cart_when_there_is_none(
    client: Client, token_factory: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {token_factory(subject='user-new-claimer')}"}
    guest_id = (await client.post(CARTS, json={"currency": "USD"})).json()["id"]
    await client.post(f"{CARTS}/{guest_id}/items", json={"sku": "SKU-2", "quantity": 4})
    cart = (await client.post(f"{CARTS}/{guest_id}/claim", headers=headers)).json()
    assert cart["customer_id"] == "user-new-claimer"
    assert cart["currency"] == "USD"
    assert cart["total"] == {"amount": 4 * 2159, "currency": "USD"}


async def test_claim_needs_a_customer_and_never_takes_another_customers_cart(
    client: Client, customer_headers: Headers, other_customer_headers: Headers
) -> None:
    guest_id = (await client.post(CARTS)).json()["id"]
    assert (await client.post(f"{CARTS}/{guest_id}/claim")).status_code == 401

    theirs = (await client.post(CARTS, headers=other_customer_headers)).json()["id"]
    await client.post(
        f"{CARTS}/{theirs}/items",
        json={"sku": "SKU-1", "quantity": 1},
        headers=other_customer_headers,
    )
    stolen = await client.post(f"{CARTS}/{theirs}/claim", headers=customer_headers)
    assert stolen.status_code == 404
    kept = await client.get(f"{CARTS}/{theirs}", headers=other_customer_headers)
    assert lines_of(kept.json()) == [("SKU-1", 1)]
