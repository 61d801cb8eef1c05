"""The storefront's pact with cart-service (`contracts/pacts/storefront-cart-service.json`): a
guest shopper's cart. It is made on the first add (`POST /api/carts`), filled
(`POST /api/carts/{id}/items`) and shown priced in the shopper's currency
(`GET /api/carts/{id}?currency=`); a cart that has expired answers 404 `cart-not-found`, and
the storefront then makes a new one. No token is sent: a guest cart's id is its only key.

Called through the storefront's real code (`storefront.carts`: `add`, `load`) over the real
`ShopApi` and `Gateway` client, pointed at the mock server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing

import pytest
from pact import match
from storefront import carts
from storefront.money import format_money
from storefront_pacts import gateway_at, money, new_pact, recorded, shop_at

pytestmark = pytest.mark.contract

PROVIDER = "cart-service"
# Cart ids are cart-service's secrets.token_urlsafe(24): 32 url-safe characters.
CART_ID = "1Y34oGm7GiFi4KMZ-piquszLUTz1y4c0"
EXPIRED_CART_ID = "HSPwuY-3Dg75rXDc52magqT5VKIigTP8"
CART_ID_RE = r"^[A-Za-z0-9_-]{32}$"
SKU = "SKU-1"
QUANTITY = 2


def line(unit: int, currency: str) -> dict[str, object]:
    """A cart line as the cart page shows it (`cart.html`)."""
    return {
        "sku": match.str(SKU),
        "name": match.str("Product SKU-1"),
        "quantity": match.integer(QUANTITY),
        "unit_price": money(unit, currency),
        "line_total": money(unit * QUANTITY, currency),
    }


@pytest.fixture(scope="module")
def cart_service() -> Iterator[str]:
    pact = new_pact(PROVIDER)
    (
        pact.upon_receiving("a request to create a guest cart in EUR")
        .with_request("POST", "/api/carts")
        .with_body({"currency": "EUR"}, "application/json")
        .will_respond_with(201)
        .with_body(
            {"id": match.regex(CART_ID, regex=CART_ID_RE), "item_count": match.integer(0)},
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request to add a SKU to a guest cart")
        .given("a guest cart exists", cart_id=CART_ID, currency="EUR")
        .with_request("POST", f"/api/carts/{CART_ID}/items")
        .with_body({"sku": SKU, "quantity": QUANTITY}, "application/json")
        .will_respond_with(200)
        .with_body(
            {
                "id": match.str(CART_ID),
                "item_count": match.integer(QUANTITY),
                "lines": match.each_like(
                    {"sku": match.str(SKU), "name": match.str("Product SKU-1")}
                ),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for a guest cart with lines in USD")
        .given("a guest cart exists", cart_id=CART_ID, currency="EUR", skus=SKU)
        .with_request("GET", f"/api/carts/{CART_ID}")
        .with_query_parameter("currency", "USD")
        .will_respond_with(200)
        .with_body(
            {
                "id": match.str(CART_ID),
                "item_count": match.integer(QUANTITY),
                "lines": match.each_like(line(2159, "USD")),
                "total": money(2159 * QUANTITY, "USD"),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request to add a SKU to a cart that does not exist")
        .with_request("POST", f"/api/carts/{EXPIRED_CART_ID}/items")
        .with_body({"sku": SKU, "quantity": QUANTITY}, "application/json")
        .will_respond_with(404)
        .with_body({"code": "cart-not-found"}, "application/problem+json")
    )
    with recorded(pact) as url:
        yield url


async def test_the_first_add_makes_a_guest_cart(cart_service: str) -> None:
    async with aclosing(gateway_at(cart_service)) as gateway:
        shop = shop_at(gateway)
        cart = await carts.add(shop, SKU, QUANTITY)
    assert [entry["name"] for entry in cart["lines"] if entry["sku"] == SKU] == ["Product SKU-1"]
    assert (shop.session.cart_id, shop.session.cart_count) == (CART_ID, QUANTITY)


async def test_the_cart_page_is_priced_in_the_shoppers_currency(cart_service: str) -> None:
    async with aclosing(gateway_at(cart_service)) as gateway:
        shop = shop_at(gateway, {"cart": CART_ID, "cur": "USD"})
        cart = await carts.load(shop)
    assert cart is not None
    [entry] = cart["lines"]
    assert (format_money(entry["unit_price"]), format_money(entry["line_total"])) == (
        "$21.59",
        "$43.18",
    )
    assert format_money(cart["total"]) == "$43.18"


async def test_an_expired_cart_is_replaced_on_the_next_add(cart_service: str) -> None:
    async with aclosing(gateway_at(cart_service)) as gateway:
        shop = shop_at(gateway, {"cart": EXPIRED_CART_ID, "count": 3})
        await carts.add(shop, SKU, QUANTITY)
    assert (shop.session.cart_id, shop.session.cart_count) == (CART_ID, QUANTITY)
