"""`GET /api/products/skus`: what carts and orders price lines with. Current prices in the asked
currency (explicit prices win, else converted and rounded by the currency's exponent), unknown
SKUs left out, bad lists and currencies refused with 422 naming the field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from factories import unique
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.integration

Json = dict[str, Any]
Maker = Callable[..., Awaitable[Json]]
Client = AsyncTestClient[Litestar]


async def lookup(client: Client, skus: list[str], **params: str) -> Any:
    response = await client.get("/api/products/skus", params={"skus": ",".join(skus), **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("currency", "black", "white"),
    [
        (None, 1299, 1499),
        ("EUR", 1299, 1499),
        ("USD", 1403, 1619),  # 12.99 x 1.08 = 14.0292; 14.99 x 1.08 = 16.1892
        ("gbp", 1104, 1274),  # 12.99 x 0.85 = 11.0415; 14.99 x 0.85 = 12.7415
        ("JPY", 2104, 2500),  # 12.99 x 162 = 2104.38 -> no minor units; white has 2500 set
    ],
)
async def test_prices_come_in_the_asked_currency_with_explicit_prices_winning(
    client: Client, make_product: Maker, currency: str | None, black: int, white: int
) -> None:
    product = await make_product()
    skus = [v["sku"] for v in product["variants"]]
    params = {"currency": currency} if currency else {}
    code = (currency or "EUR").upper()

    body = await lookup(client, skus, **params)

    assert body == {
        "items": [
            {
                "sku": skus[0],
                "product_id": product["id"],
                "name": product["name"],
                "slug": product["slug"],
                "image": product["images"][0],
                "options": {"colour": "black"},
                "price": {"amount": black, "currency": code},
                "status": "active",
            },
            {
                "sku": skus[1],
                "product_id": product["id"],
                "name": product["name"],
                "slug": product["slug"],
                "image": product["images"][0],
                "options": {"colour": "white"},
                "price": {"amount": white, "currency": code},
                "status": "active",
            },
        ]
    }


async def test_unknown_skus_are_left_out_and_the_asked_order_is_kept(
    client: Client, make_product: Maker
) -> None:
    first, second = await make_product(), await make_product(images=[])
    a, b = first["variants"][1]["sku"], second["variants"][0]["sku"]
    ghost = unique("GHOST").upper()

    body = await lookup(client, [b, ghost, a, b])

    assert [item["sku"] for item in body["items"]] == [b, a]
    assert body["items"][0]["image"] is None
    assert await lookup(client, [ghost]) == {"items": []}


async def test_a_new_price_shows_at_once(
    client: Client, make_product: Maker, admin_headers: dict[str, str]
) -> None:
    product = await make_product()
    sku = product["variants"][0]["sku"]
    assert (await lookup(client, [sku]))["items"][0]["price"]["amount"] == 1299

    variants = [
        {"sku": sku, "options": {"colour": "black"}, "base_price": {"amount": 999}},
    ]
    changed = await client.patch(
        f"/api/products/{product['id']}", json={"variants": variants}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text

    assert (await lookup(client, [sku]))["items"][0]["price"] == {"amount": 999, "currency": "EUR"}


async def test_drafts_are_seen_by_admins_only_and_archived_ones_show_their_status(
    client: Client, make_product: Maker, admin_headers: dict[str, str]
) -> None:
    draft = (await make_product(status="draft"))["variants"][0]["sku"]
    archived = (await make_product(status="archived"))["variants"][0]["sku"]

    public = await lookup(client, [draft, archived])
    assert [(i["sku"], i["status"]) for i in public["items"]] == [(archived, "archived")]

    response = await client.get(
        "/api/products/skus", params={"skus": f"{draft},{archived}"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert [i["status"] for i in response.json()["items"]] == ["draft", "archived"]


async def test_anonymous_lookups_are_cacheable_with_an_etag(
    client: Client, make_product: Maker
) -> None:
    sku = (await make_product())["variants"][0]["sku"]
    first = await client.get("/api/products/skus", params={"skus": sku})
    assert first.headers["cache-control"].startswith("public")
    again = await client.get(
        "/api/products/skus",
        params={"skus": sku},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"skus": ",".join(f"SKU-{i}" for i in range(101))}, "skus"),
        ({"skus": " , "}, "skus"),
        ({}, "skus"),
        ({"skus": "BAD SKU!"}, "skus"),
        ({"skus": "SKU-1", "currency": "CHF"}, "currency"),
    ],
)
async def test_bad_lists_and_currencies_are_422_naming_the_field(
    client: Client, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/products/skus", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalid_params"]] == [field]


async def test_exactly_100_skus_are_accepted(client: Client, make_product: Maker) -> None:
    sku = (await make_product())["variants"][0]["sku"]
    skus = [sku, *(f"NOPE-{i}" for i in range(99))]
    assert [item["sku"] for item in (await lookup(client, skus))["items"]] == [sku]


async def test_the_lookup_path_is_not_a_product_slug(
    client: Client, admin_headers: dict[str, str], make_category: Maker
) -> None:
    category = await make_category()
    body = {
        "name": "SKUs",
        "category_id": category["id"],
        "variants": [{"sku": unique("SKU"), "base_price": {"amount": 100}}],
    }
    refused = await client.post("/api/products", json=body, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert [p["name"] for p in refused.json()["invalid_params"]] == ["slug"]
