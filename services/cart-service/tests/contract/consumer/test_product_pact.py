"""cart-service's pact with product-service (`contracts/pacts/cart-service-product-service.json`):
the SKU lookup a cart is priced with. Only what the cart reads is pinned: each item's SKU, name,
price in the asked currency and status (`image` is read when present, so it is not pinned).
Our real client (`HttpCatalog`) is pointed at the mock server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from catalog_pacts import PRODUCT_PATH
from pact import Pact, match
from shopkit.money import Money
from shopkit.testing import find_pact_dir, pact_mock_server

from cart_service.domain.carts import HttpCatalog
from cart_service.domain.carts._catalog import PRODUCT_SERVICE

pytestmark = pytest.mark.contract


def item(sku: str) -> dict[str, object]:
    return {
        "sku": sku,
        "name": match.str(f"Product {sku}"),
        "price": {"amount": match.int(2159), "currency": "USD"},
        "status": "active",
    }


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = Pact("cart-service", PRODUCT_SERVICE).with_specification("V4")
    (
        pact.upon_receiving("a lookup of SKUs in USD")
        .given("products with SKUs exist", skus="SKU-1,SKU-2")
        .with_request("GET", PRODUCT_PATH)
        .with_query_parameter("skus", "SKU-1,SKU-2")
        .with_query_parameter("currency", "USD")
        .will_respond_with(200)
        .with_body(
            {"items": match.array_containing([item("SKU-1"), item("SKU-2")])}, "application/json"
        )
    )
    (
        pact.upon_receiving("a lookup of a SKU nobody sells")
        .with_request("GET", PRODUCT_PATH)
        .with_query_parameter("skus", "NO-SUCH-SKU")
        .with_query_parameter("currency", "EUR")
        .will_respond_with(200)
        .with_body({"items": []}, "application/json")
    )
    yield pact
    folder = find_pact_dir()
    assert folder is not None, "run from inside the repository (or set PACT_DIR)"
    pact.write_file(folder, overwrite=True)


async def test_the_cart_reads_names_prices_and_status_by_sku(pact: Pact) -> None:
    with pact_mock_server(pact) as url:
        catalog = HttpCatalog.from_urls(url, "http://127.0.0.1:9", settings=None)
        async with catalog.lifespan():
            found = await catalog.products(["SKU-2", "SKU-1"], "USD")
            unknown = await catalog.products(["NO-SUCH-SKU"], "EUR")
    assert sorted(found) == ["SKU-1", "SKU-2"]
    assert found["SKU-1"].price == Money(2159, "USD")
    assert found["SKU-1"].name == "Product SKU-1"
    assert found["SKU-2"].on_sale
    assert unknown == {}
