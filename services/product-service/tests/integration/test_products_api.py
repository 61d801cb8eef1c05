"""Products through HTTP against the real database, Redis and broker: who may do what, what is
stored, what is refused (and that nothing is written then), what is published."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from factories import event_matching, product_body, unique
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import CollectorFactory

pytestmark = pytest.mark.integration

Json = dict[str, Any]
Maker = Callable[..., Awaitable[Json]]
Client = AsyncTestClient[Litestar]


async def test_admin_creates_reads_updates_and_deletes_a_product(
    client: Client, admin_headers: dict[str, str], make_category: Maker
) -> None:
    category = await make_category("Headphones")
    body = product_body(category["id"])
    created = await client.post("/api/products", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["category"] == {k: category[k] for k in ("id", "slug", "name")}
    assert product["category_path"] == [category["slug"]]
    assert [v["sku"] for v in product["variants"]] == [v["sku"] for v in body["variants"]]
    assert product["price_range"] == {
        "min": {"amount": 1299, "currency": "EUR"},
        "max": {"amount": 1499, "currency": "EUR"},
    }

    by_id = await client.get(f"/api/products/{product['id']}")
    by_slug = await client.get(f"/api/products/{product['slug']}")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json() == product

    changed = await client.patch(
        f"/api/products/{product['id']}",
        json={"name": "Renamed Headphones", "attributes": {"anc": "yes"}},
        headers=admin_headers,
    )
    assert changed.status_code == 200, changed.text
    fetched = (await client.get(f"/api/products/{product['slug']}")).json()
    assert (fetched["name"], fetched["attributes"]) == ("Renamed Headphones", {"anc": "yes"})

    deleted = await client.delete(f"/api/products/{product['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/products/{product['id']}")
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"


async def test_anonymous_gets_401_customers_403_and_nothing_changes(
    client: Client,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    make_product: Maker,
    make_category: Maker,
) -> None:
    category = await make_category()
    body = product_body(category["id"])
    assert (await client.post("/api/products", json=body)).status_code == 401
    refused = await client.post("/api/products", json=body, headers=customer_headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (
        await client.get(f"/api/products/{body['slug']}", headers=admin_headers)
    ).status_code == 404

    product = await make_product()
    path = f"/api/products/{product['id']}"
    assert (await client.patch(path, json={"name": "Hacked"})).status_code == 401
    patched = await client.patch(path, json={"name": "Hacked"}, headers=customer_headers)
    assert patched.status_code == 403
    assert (await client.delete(path, headers=customer_headers)).status_code == 403
    assert (await client.delete(path)).status_code == 401
    still = await client.get(path)
    assert still.status_code == 200
    assert still.json()["name"] == product["name"]


async def test_a_duplicate_slug_or_sku_is_409_naming_the_field_and_nothing_is_written(
    client: Client, admin_headers: dict[str, str], make_product: Maker, make_category: Maker
) -> None:
    existing = await make_product()
    category = await make_category()

    same_slug = product_body(category["id"], slug=existing["slug"])
    response = await client.post("/api/products", json=same_slug, headers=admin_headers)
    assert response.status_code == 409
    assert response.json()["code"] == "slug-taken"
    assert response.json()["invalid_params"][0]["name"] == "slug"

    taken_sku = existing["variants"][0]["sku"]
    same_sku = product_body(category["id"])
    same_sku["variants"][1]["sku"] = taken_sku
    response = await client.post("/api/products", json=same_sku, headers=admin_headers)
    assert response.status_code == 409
    assert response.json()["code"] == "sku-taken"
    assert response.json()["invalid_params"][0]["name"] == "variants[1].sku"
    missing = await client.get(f"/api/products/{same_sku['slug']}", headers=admin_headers)
    assert missing.status_code == 404

    # An update that would steal another product's SKU is refused too.
    other = await make_product()
    steal = {"variants": [{"sku": taken_sku, "base_price": {"amount": 1, "currency": "EUR"}}]}
    response = await client.patch(f"/api/products/{other['id']}", json=steal, headers=admin_headers)
    assert response.status_code == 409
    after = (await client.get(f"/api/products/{other['id']}")).json()
    assert after["variants"] == other["variants"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category_id": "01890000-0000-7000-8000-000000000000"}, "category_id"),
        (
            {"variants": [{"sku": "X-1", "base_price": {"amount": -5}}]},
            "variants[0].base_price.amount",
        ),
        (
            {"variants": [{"sku": "X-1", "base_price": {"amount": 12.5}}]},
            "variants[0].base_price.amount",
        ),
        (
            {"variants": [{"sku": "X-1", "base_price": {"amount": "1299"}}]},
            "variants[0].base_price.amount",
        ),
        (
            {"variants": [{"sku": "X-1", "base_price": {"amount": 1, "currency": "USD"}}]},
            "variants[0].base_price.currency",
        ),
        (
            {"variants": [{"sku": "X-1", "base_price": {"amount": 1}, "prices": {"CHF": 100}}]},
            "variants[0].prices.CHF",
        ),
        ({"images": ["ftp://example.com/a.jpg"]}, "images[0]"),
        ({"status": "live"}, "status"),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_nothing_is_written(
    client: Client,
    admin_headers: dict[str, str],
    make_category: Maker,
    change: Json,
    field: str,
) -> None:
    category = await make_category()
    body = product_body(category["id"], **change)
    response = await client.post("/api/products", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalid_params"][0]["name"] == field
    listed = await client.get(
        "/api/products", params={"category": category["slug"]}, headers=admin_headers
    )
    assert listed.json()["total"] == 0


async def test_the_category_filter_includes_descendants_and_hides_drafts_from_the_public(
    client: Client, admin_headers: dict[str, str], make_category: Maker, make_product: Maker
) -> None:
    root = await make_category("Audio")
    child = await make_category("Speakers", parent_id=root["id"])
    elsewhere = await make_category("Kitchen")
    in_root = await make_product(root["id"])
    in_child = await make_product(child["id"])
    await make_product(elsewhere["id"])
    draft = await make_product(child["id"], status="draft")

    listed = (await client.get("/api/products", params={"category": root["slug"]})).json()
    assert {p["id"] for p in listed["items"]} == {in_root["id"], in_child["id"]}
    assert listed["total"] == 2
    assert in_child["category_path"] == [root["slug"], child["slug"]]

    only_child = (await client.get("/api/products", params={"category": child["slug"]})).json()
    assert [p["id"] for p in only_child["items"]] == [in_child["id"]]

    assert (await client.get(f"/api/products/{draft['id']}")).status_code == 404
    as_admin = await client.get(
        "/api/products", params={"category": child["slug"]}, headers=admin_headers
    )
    assert {p["id"] for p in as_admin.json()["items"]} == {in_child["id"], draft["id"]}
    assert as_admin.headers["cache-control"] == "private, no-store"

    unknown = await client.get("/api/products", params={"category": "no-such-category"})
    assert unknown.status_code == 422
    assert unknown.json()["invalid_params"][0]["name"] == "category"


async def test_lists_are_paged_in_the_public_shape(
    client: Client, make_category: Maker, make_product: Maker
) -> None:
    category = await make_category()
    made = [await make_product(category["id"]) for _ in range(3)]
    page = (
        await client.get(
            "/api/products", params={"category": category["slug"], "limit": 2, "offset": 1}
        )
    ).json()
    assert set(page) == {"items", "total", "limit", "offset"}
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [p["id"] for p in page["items"]] == [p["id"] for p in made[1:]]


async def test_prices_come_in_the_asked_currency_with_explicit_prices_winning(
    client: Client, make_product: Maker
) -> None:
    product = await make_product()
    response = await client.get(f"/api/products/{product['id']}", params={"currency": "JPY"})
    converted, explicit = response.json()["variants"]
    assert converted["price"] == {"amount": 2104, "currency": "JPY"}  # 12.99 * 162 = 2104.38
    assert explicit["price"] == {"amount": 2500, "currency": "JPY"}  # explicit, not 2428
    assert converted["base_price"] == {"amount": 1299, "currency": "EUR"}
    assert set(converted["prices"]) == {"EUR", "USD", "GBP", "JPY"}
    # Which prices were set by hand (the admin's form shows the rest as following the rate).
    assert (converted["explicit_prices"], explicit["explicit_prices"]) == ({}, {"JPY": 2500})
    assert response.json()["price_range"]["min"] == {"amount": 2104, "currency": "JPY"}

    listed = await client.get(
        "/api/products",
        params={"category": product["category"]["slug"], "currency": "usd"},
    )
    assert listed.json()["items"][0]["variants"][0]["price"] == {"amount": 1403, "currency": "USD"}

    for bad in ("XYZ", "CHF"):
        refused = await client.get(f"/api/products/{product['id']}", params={"currency": bad})
        assert refused.status_code == 422
        assert refused.json()["invalid_params"][0]["name"] == "currency"


async def test_create_update_delete_and_price_changes_are_published(
    client: Client,
    admin_headers: dict[str, str],
    make_category: Maker,
    event_collector: CollectorFactory,
) -> None:
    created_events = await event_collector("product.created.v1")
    updated_events = await event_collector("product.updated.v1")
    price_events = await event_collector("price.changed.v1")
    deleted_events = await event_collector("product.deleted.v1")
    category = await make_category()
    body = product_body(category["id"])
    product = (await client.post("/api/products", json=body, headers=admin_headers)).json()

    def mine(payload: Json) -> bool:
        return payload["product_id"] == product["id"]

    created = await event_matching(created_events, mine)
    assert created["slug"] == product["slug"]
    assert created["status"] == "active"
    assert created["category"] == {k: category[k] for k in ("id", "slug", "name")}
    assert created["category_path"] == [category["slug"]]
    assert created["base_currency"] == "EUR"
    assert created["variants"][1] == {
        "sku": body["variants"][1]["sku"],
        "options": {"colour": "white"},
        "base_price": {"amount": 1499, "currency": "EUR"},
        "prices": {"EUR": 1499, "GBP": 1274, "JPY": 2500, "USD": 1619},
    }

    first, second = body["variants"]
    first["base_price"] = {"amount": 1999, "currency": "EUR"}
    new_variant = {"sku": unique("NEW"), "base_price": {"amount": 500, "currency": "EUR"}}
    patched = await client.patch(
        f"/api/products/{product['id']}",
        json={"variants": [first, second, new_variant]},
        headers=admin_headers,
    )
    assert patched.status_code == 200, patched.text
    updated = await event_matching(updated_events, mine)
    assert [v["sku"] for v in updated["variants"]] == [
        first["sku"],
        second["sku"],
        new_variant["sku"],
    ]
    changed = await event_matching(price_events, mine)
    assert changed["sku"] == first["sku"]
    assert changed["base_price"] == {"amount": 1999, "currency": "EUR"}
    assert changed["prices"] == {"EUR": 1999, "GBP": 1699, "JPY": 3238, "USD": 2159}
    await price_events.assert_nothing(within=0.3)  # the unchanged SKU is not re-announced

    await client.delete(f"/api/products/{product['id']}", headers=admin_headers)
    deleted = await event_matching(deleted_events, mine)
    assert sorted(deleted["skus"]) == sorted([first["sku"], second["sku"], new_variant["sku"]])


async def test_products_are_found_by_words_of_their_name_slug_brand_or_a_sku(
    client: Client, admin_headers: dict[str, str], make_category: Maker, make_product: Maker
) -> None:
    category = await make_category()
    word = unique("Zq").lower()  # in no other test's product
    named = await make_product(category["id"], name=f"Studio {word.upper()} Monitor")
    draft = await make_product(category["id"], brand=f"{word}-works", status="draft")
    sku = named["variants"][1]["sku"]
    await make_product(category["id"])  # matches none of them

    def found(answer: Any) -> set[str]:
        assert answer.status_code == 200, answer.text
        return {item["id"] for item in answer.json()["items"]}

    search = {"category": category["slug"], "limit": 100}
    by_admin = await client.get(
        "/api/products", params={**search, "q": word}, headers=admin_headers
    )
    assert found(by_admin) == {named["id"], draft["id"]}  # any case; brand too; drafts for admins
    assert by_admin.json()["total"] == 2
    by_sku = await client.get(
        "/api/products", params={**search, "q": sku.lower()[-7:]}, headers=admin_headers
    )
    assert found(by_sku) == {named["id"]}
    anonymous = await client.get("/api/products", params={**search, "q": word})
    assert found(anonymous) == {named["id"]}  # active ones only
    assert anonymous.headers["cache-control"].startswith("private")
    wildcard = await client.get("/api/products", params={**search, "q": "%"}, headers=admin_headers)
    assert found(wildcard) == set()  # taken literally
    too_long = await client.get("/api/products", params={"q": "x" * 101})
    assert too_long.status_code in (400, 422)
