"""The storefront's pact with search-service (`contracts/pacts/storefront-search-service.json`):
every product listing is a search. The search page (`q`), a category page (`category`) and the
home page's newest products in stock, each as the storefront asks for it, answered with the
cards' fields, the total (paging) and the facets the filters are built from; and the
suggestions the search box's script (`static/app.js`) asks for as the shopper types.

Called through the storefront's real code: the listing pages' `_search`, the home page's query,
over the real `ShopApi` and `Gateway` client, pointed at the mock server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing
from typing import Any

import pytest
from pact import match
from storefront.controllers.catalog import FEATURED, _search
from storefront.money import format_money
from storefront_pacts import gateway_at, money, new_pact, recorded, shop_at, uuid_like

pytestmark = pytest.mark.contract

PROVIDER = "search-service"
INDEXED = {
    "name": "Contract Studio Headphones",
    "brand": "Acme",
    "category": "contract-headphones",
}
PAGE_SIZE = 12  # STOREFRONT_PAGE_SIZE's default


def card(amount: int, currency: str) -> dict[str, Any]:
    """What a product card shows (`partials/product_card.html`); `image` is optional there."""
    return {
        "product_id": uuid_like("0193a5b2-7c1d-7e4f-9a10-0000000e0001"),
        "slug": match.str("contract-studio-headphones"),
        "name": match.str(INDEXED["name"]),
        "brand": match.str(INDEXED["brand"]),
        "price": money(amount, currency),
        "in_stock": match.bool(True),
    }


def buckets(example: str) -> Any:
    return match.each_like({"value": match.str(example), "count": match.integer(1)}, min=1)


# Price ranges in minor units of the asked currency; the last is open-ended (`to` null).
PRICE_FACET = match.array_containing(
    [
        {"from": match.integer(0), "to": match.integer(2500), "count": match.integer(1)},
        {"from": match.integer(50000), "to": None, "count": match.integer(0)},
    ]
)


def results(amount: int, currency: str, facets: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "items": match.each_like(card(amount, currency), min=1),
        "total": match.integer(1),
    }
    if facets is not None:
        body["facets"] = facets
    return body


def queried(interaction: Any, params: dict[str, str]) -> Any:
    for name, value in params.items():
        interaction = interaction.with_query_parameter(name, value)
    return interaction


@pytest.fixture(scope="module")
def search_service() -> Iterator[str]:
    pact = new_pact(PROVIDER)
    listings = [
        (
            "a search for a word in EUR",
            {"q": "headphones", "currency": "EUR", "limit": "12", "offset": "0"},
            results(
                1299,
                "EUR",
                {
                    "category": buckets(INDEXED["category"]),
                    "brand": buckets("Acme"),
                    "price": PRICE_FACET,
                },
            ),
        ),
        (
            "a category listing in USD",
            {"category": INDEXED["category"], "currency": "USD", "limit": "12", "offset": "0"},
            results(1403, "USD", {"brand": buckets("Acme"), "price": PRICE_FACET}),
        ),
        (
            "a request for the newest products in stock",
            {"sort": "newest", "in_stock": "true", "limit": str(FEATURED), "currency": "EUR"},
            results(1299, "EUR", None),
        ),
    ]
    for description, params, body in listings:
        request = pact.upon_receiving(description).given("a product in stock is indexed", **INDEXED)
        (
            queried(request.with_request("GET", "/api/search"), params)
            .will_respond_with(200)
            .with_body(body, "application/json")
        )
    (
        pact.upon_receiving("a request for suggestions for what the shopper is typing")
        .given("a product in stock is indexed", **INDEXED)
        .with_request("GET", "/api/search/suggest")
        .with_query_parameter("q", "studio")
        .will_respond_with(200)
        .with_body(
            {"suggestions": match.each_like(match.str(INDEXED["name"]), min=1)},
            "application/json",
        )
    )
    with recorded(pact) as url:
        yield url


NO_FILTERS: dict[str, Any] = dict.fromkeys(
    ("q", "category", "brand", "min_price", "max_price", "in_stock", "sort")
)


async def test_the_search_page_reads_cards_total_and_facets(search_service: str) -> None:
    async with aclosing(gateway_at(search_service)) as gateway:
        shop = shop_at(gateway)
        page = await _search(shop, {**NO_FILTERS, "q": "headphones"}, 1)
    [item] = page["items"]
    assert format_money(item["price"]) == "€12.99"
    assert (page["total"], page["pages"]) == (1, 1)
    assert page["facets"]["category"][0]["value"] == INDEXED["category"]
    assert [bucket["to"] for bucket in page["facets"]["price"]] == [2500, None]


async def test_a_category_page_lists_in_the_shoppers_currency(search_service: str) -> None:
    async with aclosing(gateway_at(search_service)) as gateway:
        shop = shop_at(gateway, {"cur": "USD"})
        page = await _search(shop, {**NO_FILTERS, "category": INDEXED["category"]}, 1)
    assert shop.settings.storefront.page_size == PAGE_SIZE
    assert format_money(page["items"][0]["price"]) == "$14.03"
    assert page["facets"]["brand"][0] == {"value": "Acme", "count": 1}


async def test_the_home_page_features_the_newest_in_stock(search_service: str) -> None:
    async with aclosing(gateway_at(search_service)) as gateway:
        shop = shop_at(gateway)
        # As CatalogController.home asks for them.
        featured = await shop.api.get(
            "/api/search",
            {"sort": "newest", "in_stock": "true", "limit": FEATURED, "currency": shop.currency},
        )
    assert [item["in_stock"] for item in featured["items"]] == [True]


async def test_the_search_box_reads_suggestions(search_service: str) -> None:
    async with aclosing(gateway_at(search_service)) as gateway:
        shop = shop_at(gateway)
        # What static/app.js asks for and reads: `body.suggestions`, a list of names.
        answer = await shop.api.get("/api/search/suggest", {"q": "studio"})
    assert answer["suggestions"] == [INDEXED["name"]]
