"""The storefront's pact with product-service (`contracts/pacts/storefront-product-service.json`):
the category tree (navigation, category pages, breadcrumbs), the currency switcher, and the
product page (variants with their options and price in the shopper's currency; 404 for an
unknown product). Listings and search come from search-service, not from `GET /api/products`.

Called through the storefront's real code: `ReferenceData` (categories, currencies) and the
product page's `ShopApi` call, over the real `Gateway` client, pointed at the mock server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing
from urllib.parse import quote

import pytest
from pact import match
from storefront.gateway import ApiError
from storefront.money import format_money
from storefront.reference import category_tree, find_category
from storefront.templating import variant_label
from storefront_pacts import (
    CURRENCY_RE,
    gateway_at,
    money,
    new_pact,
    recorded,
    shop_at,
    uuid_like,
)

pytestmark = pytest.mark.contract

PROVIDER = "product-service"
ROOT_ID = "0193a5b2-7c1d-7e4f-9a10-0000000ca701"
CHILD_ID = "0193a5b2-7c1d-7e4f-9a10-0000000ca702"
PRODUCT_SLUG = "contract-studio-headphones"
UNKNOWN_SLUG = "no-such-product"


def category(id_: str, slug: str, name: str, parent_id: str | None) -> dict[str, object]:
    """A root has `parent_id` null; a subcategory names its parent, and `path` lists slugs from
    the root (the breadcrumbs)."""
    return {
        "id": uuid_like(id_),
        "slug": match.str(slug),
        "name": match.str(name),
        "parent_id": None if parent_id is None else uuid_like(parent_id),
        "path": match.each_like(match.str(slug)),
    }


@pytest.fixture(scope="module")
def product_service() -> Iterator[str]:
    pact = new_pact(PROVIDER)
    (
        pact.upon_receiving("a request for every category")
        .given("a category with a subcategory exists")
        .with_request("GET", "/api/categories")
        .will_respond_with(200)
        .with_body(
            {
                "items": match.array_containing(
                    [
                        category(ROOT_ID, "contract-audio", "Audio", None),
                        category(CHILD_ID, "contract-headphones", "Headphones", ROOT_ID),
                    ]
                )
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for the supported currencies")
        .with_request("GET", "/api/currencies")
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like({"code": match.regex("EUR", regex=CURRENCY_RE)}, min=1)},
            "application/json",
        )
    )
    variant = {
        "sku": match.regex("CT-STUDIO-BLK", regex=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
        "options": match.each_value_matches({"colour": "black"}, rules=match.str()),
        "price": money(1403, "USD"),
    }
    (
        pact.upon_receiving("a request for a product by slug in USD")
        .given("a product with variants exists", slug=PRODUCT_SLUG)
        .with_request("GET", f"/api/products/{PRODUCT_SLUG}")
        .with_query_parameter("currency", "USD")
        .will_respond_with(200)
        .with_body(
            {
                "id": uuid_like("0193a5b2-7c1d-7e4f-9a10-0000000b0001"),
                "slug": PRODUCT_SLUG,
                "name": match.str("Contract Studio Headphones"),
                "brand": match.str("Acme"),
                "description": match.str("Closed-back studio headphones."),
                "images": match.each_like(match.str("https://img.shopkit.dev/contract/1.jpg")),
                "attributes": match.each_value_matches(
                    {"connectivity": "wired"}, rules=match.str()
                ),
                "category": {"slug": match.str("contract-headphones")},
                "variants": match.each_like(variant, min=1),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for a product that does not exist")
        .with_request("GET", f"/api/products/{UNKNOWN_SLUG}")
        .with_query_parameter("currency", "EUR")
        .will_respond_with(404)
    )
    with recorded(pact) as url:
        yield url


async def test_navigation_reads_the_category_tree(product_service: str) -> None:
    async with aclosing(gateway_at(product_service)) as gateway:
        shop = shop_at(gateway)
        categories = await shop.reference.categories(shop.api, required=True)
    tree = category_tree(categories)
    audio = next(node for node in tree if node["slug"] == "contract-audio")
    assert [child["slug"] for child in audio["children"]] == ["contract-headphones"]
    headphones = find_category(categories, "contract-headphones")
    assert headphones is not None
    assert headphones["path"]


async def test_the_currency_switcher_reads_the_codes(product_service: str) -> None:
    async with aclosing(gateway_at(product_service)) as gateway:
        shop = shop_at(gateway)
        currencies = await shop.reference.currencies(shop.api)
    assert [currency["code"] for currency in currencies] == ["EUR"]


async def test_the_product_page_reads_variants_and_prices(product_service: str) -> None:
    async with aclosing(gateway_at(product_service)) as gateway:
        shop = shop_at(gateway, {"cur": "USD"})
        # As CatalogController.product asks for it.
        product = await shop.api.get(
            f"/api/products/{quote(PRODUCT_SLUG, safe='')}", {"currency": shop.currency}
        )
    assert product["category"]["slug"] == "contract-headphones"
    [variant] = product["variants"]
    assert format_money(variant["price"]) == "$14.03"
    assert variant_label(variant["options"], variant["sku"]) == "black"


async def test_an_unknown_product_is_a_404(product_service: str) -> None:
    async with aclosing(gateway_at(product_service)) as gateway:
        shop = shop_at(gateway)
        with pytest.raises(ApiError) as refused:
            await shop.api.get(
                f"/api/products/{quote(UNKNOWN_SLUG, safe='')}", {"currency": shop.currency}
            )
    assert refused.value.status_code == 404
