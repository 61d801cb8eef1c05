"""Many shoppers' tabs editing one cart at once, over real HTTP (the in-process test client
serialises requests): no line and no unit is ever lost."""

from __future__ import annotations

import asyncio

import httpx
import pytest

pytestmark = pytest.mark.integration

CARTS = "/api/carts"


async def test_fifty_concurrent_adds_of_different_skus_keep_every_line(
    http: httpx.AsyncClient,
) -> None:
    cart_id = (await http.post(CARTS)).json()["id"]
    skus = [f"TEE-{i:02d}" for i in range(50)]
    responses = await asyncio.gather(
        *(
            http.post(f"{CARTS}/{cart_id}/items", json={"sku": sku, "quantity": 1 + i % 3})
            for i, sku in enumerate(skus)
        )
    )
    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses][:3]
    cart = (await http.get(f"{CARTS}/{cart_id}")).json()
    assert {line["sku"]: line["quantity"] for line in cart["lines"]} == {
        sku: 1 + i % 3 for i, sku in enumerate(skus)
    }
    assert cart["item_count"] == sum(1 + i % 3 for i in range(50))


async def test_fifty_concurrent_adds_of_one_sku_sum_exactly(http: httpx.AsyncClient) -> None:
    cart_id = (await http.post(CARTS)).json()["id"]
    responses = await asyncio.gather(
        *(
            http.post(f"{CARTS}/{cart_id}/items", json={"sku": "SKU-1", "quantity": 1})
            for _ in range(50)
        )
    )
    assert [r.status_code for r in responses] == [200] * 50
    cart = (await http.get(f"{CARTS}/{cart_id}")).json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [("SKU-1", 50)]
    assert cart["total"] == {"amount": 50 * 1999, "currency": "EUR"}
