"""Search through HTTP against the real PostgreSQL backend, with the index fed by real
envelopes on the real broker through the app's own consumers."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from catalog_events import deleted, price_changed, product, stock_changed
from conftest import EventFeed
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import Envelope
from shopkit.testing import client_for

from search_service.app import create_app
from search_service.config import Settings

pytestmark = pytest.mark.integration

SEARCH = "/api/search"


def catalog_events() -> tuple[Envelope, ...]:
    """Fresh envelopes (new event ids) each time: the inbox would skip repeated ids."""
    return (
        product(
            "p-wh",
            "Wireless Headphones",
            brand="Sonic",
            eur=9999,
            jpy=16000,
            description="Over-ear, noise cancelling.",
            updated=0,
        ),
        product(
            "p-sp",
            "Bluetooth Speaker",
            brand="Sonic",
            category=("speakers", "Speakers"),
            description="Pairs well with your headphones.",
            eur=4999,
            jpy=8000,
            updated=1,
        ),
        product(
            "p-ca",
            "Headphone Cable",
            brand="Acme",
            category=("accessories", "Accessories"),
            path=("electronics",),
            eur=999,
            jpy=1600,
            updated=2,
        ),
        product(
            "p-ts",
            "Cotton T-Shirt",
            brand="Basic",
            category=("t-shirts", "T-Shirts"),
            path=("clothing",),
            eur=1999,
            jpy=3300,
            updated=3,
            skus=("p-ts-S", "p-ts-M"),
        ),
        product(
            "p-mu",
            "Coffee Mug",
            brand="Acme",
            category=("kitchen", "Kitchen"),
            path=("home",),
            eur=1299,
            jpy=2100,
            updated=4,
        ),
    )


async def search(client: AsyncTestClient[Litestar], **params: Any) -> dict[str, Any]:
    response = await client.get(SEARCH, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


@pytest.fixture
async def catalog(feed: EventFeed) -> EventFeed:
    await feed.send(*catalog_events())
    return feed


async def test_results_are_ranked_by_relevance_name_before_description(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    page = await search(client, q="headphones")
    assert names(page)[0] == "Wireless Headphones"
    assert set(names(page)) == {"Wireless Headphones", "Headphone Cable", "Bluetooth Speaker"}
    # Only mentioned in its description: last.
    assert names(page)[-1] == "Bluetooth Speaker"
    assert page["total"] == 3


async def test_a_typo_still_finds_the_product(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    page = await search(client, q="hedphones")
    assert names(page)[0] == "Wireless Headphones"
    assert "Coffee Mug" not in names(page)


async def test_close_spellings_are_a_fallback_not_noise(
    client: AsyncTestClient[Litestar], feed: EventFeed
) -> None:
    await feed.send(
        product("p-so", "Sony Earbuds", brand="Sony", eur=9900, jpy=16000),
        product("p-ss", "Sonos Speaker", brand="Sonos", eur=19900, jpy=32000),
    )
    assert names(await search(client, q="sony")) == ["Sony Earbuds"]
    assert "Sony Earbuds" in names(await search(client, q="sonny earbuds"))


async def test_items_have_the_public_shape_with_prices_in_the_asked_currency(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    page = await search(client, q="wireless", currency="JPY")
    assert page["items"] == [
        {
            "product_id": "p-wh",
            "slug": "wireless-headphones",
            "name": "Wireless Headphones",
            "brand": "Sonic",
            "category": {"slug": "headphones", "name": "Headphones"},
            "image": "https://img.shopkit.local/p-wh.jpg",
            "price": {"amount": 16000, "currency": "JPY"},
            "in_stock": False,
        }
    ]
    assert (page["limit"], page["offset"]) == (20, 0)


async def test_facets_count_every_result_not_just_the_page(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    page = await search(client, limit=1)
    assert page["total"] == 5
    assert len(page["items"]) == 1
    facets = page["facets"]
    assert facets["brand"] == [
        {"value": "Acme", "count": 2},
        {"value": "Sonic", "count": 2},
        {"value": "Basic", "count": 1},
    ]
    assert sorted(b["value"] for b in facets["category"]) == [
        "accessories",
        "headphones",
        "kitchen",
        "speakers",
        "t-shirts",
    ]
    assert facets["in_stock"] == [{"value": False, "count": 5}]
    assert facets["price"] == [
        {"from": 0, "to": 2500, "count": 3},
        {"from": 2500, "to": 5000, "count": 1},
        {"from": 5000, "to": 10000, "count": 1},
        {"from": 10000, "to": 25000, "count": 0},
        {"from": 25000, "to": 50000, "count": 0},
        {"from": 50000, "to": None, "count": 0},
    ]
    # Price ranges follow the asked currency (yen have no minor unit).
    yen = (await search(client, currency="JPY"))["facets"]["price"]
    assert [b["count"] for b in yen] == [2, 1, 1, 1, 0, 0]
    assert yen[1] == {"from": 2500, "to": 5000, "count": 1}
    # Facets follow the filters.
    sonic = (await search(client, brand="Sonic"))["facets"]
    assert sonic["brand"] == [{"value": "Sonic", "count": 2}]


async def test_price_filters_are_in_the_asked_currency(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    yen = await search(client, currency="JPY", min_price=3000, max_price=10000, sort="price_asc")
    assert names(yen) == ["Cotton T-Shirt", "Bluetooth Speaker"]
    assert [item["price"] for item in yen["items"]] == [
        {"amount": 3300, "currency": "JPY"},
        {"amount": 8000, "currency": "JPY"},
    ]
    euro = await search(client, currency="EUR", min_price=3000, max_price=10000, sort="price_asc")
    assert names(euro) == ["Bluetooth Speaker", "Wireless Headphones"]


async def test_sorts_by_price_and_by_newest(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    ascending = ["Headphone Cable", "Coffee Mug", "Cotton T-Shirt"]
    assert names(await search(client, sort="price_asc"))[:3] == ascending
    assert names(await search(client, sort="price_desc"))[:2] == [
        "Wireless Headphones",
        "Bluetooth Speaker",
    ]
    assert names(await search(client, sort="newest")) == [
        "Coffee Mug",
        "Cotton T-Shirt",
        "Headphone Cable",
        "Bluetooth Speaker",
        "Wireless Headphones",
    ]
    second_page = await search(client, sort="price_asc", limit=2, offset=2)
    assert names(second_page) == ["Cotton T-Shirt", "Bluetooth Speaker"]


async def test_a_parent_category_finds_products_of_its_subcategories(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    assert set(names(await search(client, category="audio"))) == {
        "Wireless Headphones",
        "Bluetooth Speaker",
    }
    assert (await search(client, category="electronics"))["total"] == 3
    assert (await search(client, category="no-such-category"))["total"] == 0


async def test_stock_changes_drive_the_in_stock_filter_and_facet(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    await catalog.send(stock_changed("p-wh-SKU", 3), stock_changed("p-ts-M", 2))
    page = await search(client, in_stock="true")
    assert set(names(page)) == {"Wireless Headphones", "Cotton T-Shirt"}
    assert page["facets"]["in_stock"] == [{"value": True, "count": 2}]
    everything = await search(client)
    assert everything["facets"]["in_stock"] == [
        {"value": False, "count": 3},
        {"value": True, "count": 2},
    ]

    # Sold out; an older count arriving late does not bring it back.
    await catalog.send(stock_changed("p-wh-SKU", 0, minute=5))
    await catalog.send(stock_changed("p-wh-SKU", 9, minute=2))
    assert names(await search(client, in_stock="true")) == ["Cotton T-Shirt"]
    assert names(await search(client, in_stock="false", q="wireless")) == ["Wireless Headphones"]


async def test_a_repeated_search_is_answered_from_memory_for_its_seconds_then_afresh(
    settings: Settings, catalog: EventFeed
) -> None:
    remembering = msgspec.structs.replace(
        settings, search=msgspec.structs.replace(settings.search, results_cache_seconds=0.5)
    )
    async with client_for(create_app(remembering)) as client:
        await catalog.send(stock_changed("p-wh-SKU", 3))
        assert "Wireless Headphones" in names(await search(client, in_stock="true"))
        await catalog.send(stock_changed("p-wh-SKU", 0, minute=5))
        # Within its seconds the same search is the remembered answer...
        assert "Wireless Headphones" in names(await search(client, in_stock="true"))
        await asyncio.sleep(0.6)
        # ...and then the index's current one.
        assert "Wireless Headphones" not in names(await search(client, in_stock="true"))


async def test_stock_known_before_its_product_counts_when_the_product_arrives(
    client: AsyncTestClient[Litestar], feed: EventFeed
) -> None:
    await feed.send(stock_changed("p-new-SKU", 4))
    await feed.send(product("p-new", "Studio Monitor", eur=19900, jpy=32000))
    assert (await search(client, q="studio"))["items"][0]["in_stock"] is True


async def test_a_non_active_update_removes_a_product_and_a_late_snapshot_does_not_revive_it(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    archived = product(
        "p-wh",
        "Wireless Headphones",
        eur=9999,
        jpy=16000,
        status="archived",
        updated=10,
        event="product.updated.v1",
    )
    await catalog.send(archived)
    assert "Wireless Headphones" not in names(await search(client, q="headphones"))

    late = product("p-wh", "Wireless Headphones", eur=9999, jpy=16000, updated=5)
    await catalog.send(late)
    assert "Wireless Headphones" not in names(await search(client, q="headphones"))

    revived = product(
        "p-wh",
        "Wireless Headphones Pro",
        eur=12999,
        jpy=21000,
        updated=20,
        event="product.updated.v1",
    )
    await catalog.send(revived)
    page = await search(client, q="headphones pro")
    assert names(page)[0] == "Wireless Headphones Pro"
    assert page["items"][0]["price"] == {"amount": 12999, "currency": "EUR"}


async def test_a_deleted_product_disappears(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    await catalog.send(deleted("p-mu"))
    assert "Coffee Mug" not in names(await search(client))
    assert (await search(client))["total"] == 4


async def test_a_price_change_updates_that_skus_price_and_the_products_minimum(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    cheaper = {"EUR": 499, "USD": 549, "GBP": 449, "JPY": 800}
    await catalog.send(price_changed("p-ts", "p-ts-S", cheaper))
    page = await search(client, sort="price_asc", currency="JPY")
    assert page["items"][0]["name"] == "Cotton T-Shirt"
    assert page["items"][0]["price"] == {"amount": 800, "currency": "JPY"}

    # The other size still costs 1999: raising S above it makes M the minimum.
    dearer = {"EUR": 2999, "USD": 3299, "GBP": 2699, "JPY": 4900}
    await catalog.send(price_changed("p-ts", "p-ts-S", dearer))
    shirt = (await search(client, q="shirt"))["items"][0]
    assert shirt["price"] == {"amount": 1999, "currency": "EUR"}


async def test_suggestions_complete_a_prefix_and_forgive_typos(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    response = await client.get(f"{SEARCH}/suggest", params={"q": "head"})
    assert response.status_code == 200
    assert response.json()["suggestions"][:2] == ["Headphone Cable", "Wireless Headphones"]
    typo = (await client.get(f"{SEARCH}/suggest", params={"q": "hedphones"})).json()
    assert "Wireless Headphones" in typo["suggestions"]
    assert "Coffee Mug" not in typo["suggestions"]
    empty = (await client.get(f"{SEARCH}/suggest", params={"q": " "})).json()
    assert empty == {"suggestions": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "12.50"}, "min_price"),
        ({"max_price": "-1"}, "max_price"),
        ({"min_price": "-5"}, "min_price"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "CHF"}, "currency"),
        ({"sort": "cheapest"}, "sort"),
        ({"min_price": "500", "max_price": "100"}, "max_price"),
        ({"limit": "0"}, "limit"),
        ({"offset": "9990", "limit": "20"}, "offset"),
        ({"min_price": "99999999999999999999"}, "min_price"),
        ({"max_price": "9223372036854775808"}, "max_price"),
        ({"offset": "9223372036854775808"}, "offset"),
        ({"q": "head\x00phones"}, "q"),
        ({"category": "audio\x00"}, "category"),
        ({"brand": "\x00"}, "brand"),
    ],
)
async def test_bad_input_is_422_naming_the_field(
    client: AsyncTestClient[Litestar], params: dict[str, str], field: str
) -> None:
    response = await client.get(SEARCH, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalid_params"]] == [field]


async def test_ready_checks_database_and_broker(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker"}


@pytest.mark.parametrize("q", ["head\x00phones", "\x00"])
async def test_a_nul_in_a_suggestion_prefix_is_422_naming_q(
    client: AsyncTestClient[Litestar], q: str
) -> None:
    response = await client.get(f"{SEARCH}/suggest", params={"q": q})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalid_params"]] == ["q"]


async def test_the_largest_storable_price_filter_is_answered(
    client: AsyncTestClient[Litestar], catalog: EventFeed
) -> None:
    page = await search(client, min_price=str(2**63 - 1))
    assert page["items"] == []
    assert names(await search(client, max_price=str(2**63 - 1), q="headphones"))
