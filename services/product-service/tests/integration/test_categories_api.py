"""The category tree: anyone reads it flat (parents first, with paths), admins change it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from factories import unique
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.integration

Client = AsyncTestClient[Litestar]
Maker = Callable[..., Awaitable[dict[str, Any]]]


async def test_categories_are_listed_flat_with_parent_ids_and_paths(
    client: Client, make_category: Maker
) -> None:
    root = await make_category("Computing")
    child = await make_category("Laptops", parent_id=root["id"])
    items = (await client.get("/api/categories")).json()["items"]
    by_id = {c["id"]: c for c in items}
    assert by_id[child["id"]]["parent_id"] == root["id"]
    assert by_id[child["id"]]["path"] == [root["slug"], child["slug"]]
    order = [c["id"] for c in items]
    assert order.index(root["id"]) < order.index(child["id"])


async def test_category_rules(
    client: Client,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    make_category: Maker,
    make_product: Maker,
) -> None:
    existing = await make_category()
    duplicate = await client.post(
        "/api/categories", json={"name": "Again", "slug": existing["slug"]}, headers=admin_headers
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["invalid_params"][0]["name"] == "slug"

    orphan = await client.post(
        "/api/categories",
        json={"name": "Orphan", "parent_id": "01890000-0000-7000-8000-000000000000"},
        headers=admin_headers,
    )
    assert orphan.status_code == 422
    assert orphan.json()["invalid_params"][0]["name"] == "parent_id"

    body = {"name": "Sneaky", "slug": unique("sneaky")}
    assert (await client.post("/api/categories", json=body)).status_code == 401
    forbidden = await client.post("/api/categories", json=body, headers=customer_headers)
    assert forbidden.status_code == 403
    slugs = {c["slug"] for c in (await client.get("/api/categories")).json()["items"]}
    assert body["slug"] not in slugs

    made = await client.post(
        "/api/categories", json={"name": "Garden Tools"}, headers=admin_headers
    )
    assert made.status_code == 201
    assert made.json()["slug"].startswith("garden-tools")

    child = await make_category("Child", parent_id=existing["id"])
    cycle = await client.patch(
        f"/api/categories/{existing['id']}", json={"parent_id": child["id"]}, headers=admin_headers
    )
    assert cycle.status_code == 422
    assert cycle.json()["invalid_params"][0]["name"] == "parent_id"

    in_use = await client.delete(f"/api/categories/{existing['id']}", headers=admin_headers)
    assert in_use.status_code == 409
    await make_product(child["id"])
    assert (
        await client.delete(f"/api/categories/{child['id']}", headers=admin_headers)
    ).status_code == 409
    empty = await make_category()
    assert (
        await client.delete(f"/api/categories/{empty['id']}", headers=admin_headers)
    ).status_code == 204


async def test_renaming_a_category_changes_its_products_paths(
    client: Client, admin_headers: dict[str, str], make_category: Maker, make_product: Maker
) -> None:
    root = await make_category("Home")
    child = await make_category("Lighting", parent_id=root["id"])
    product = await make_product(child["id"])
    new_slug = unique("house")
    renamed = await client.patch(
        f"/api/categories/{root['id']}",
        json={"slug": new_slug, "name": "House"},
        headers=admin_headers,
    )
    assert renamed.status_code == 200, renamed.text
    fetched = (await client.get(f"/api/products/{product['id']}")).json()
    assert fetched["category_path"] == [new_slug, child["slug"]]
