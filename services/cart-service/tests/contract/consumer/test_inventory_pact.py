"""cart-service's pact with inventory-service
(`contracts/pacts/cart-service-inventory-service.json`): the availability a cart shows and
checks quantities against. Only each item's SKU and `available` are pinned. Our real client
(`HttpCatalog`) is pointed at the mock server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from catalog_pacts import INVENTORY_PATH
from pact import Pact, match
from shopkit.testing import find_pact_dir, pact_mock_server

from cart_service.domain.carts import HttpCatalog
from cart_service.domain.carts._catalog import INVENTORY_SERVICE

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = Pact("cart-service", INVENTORY_SERVICE).with_specification("V4")
    stock = [{"sku": sku, "available": match.int(5)} for sku in ("SKU-1", "SKU-2")]
    (
        pact.upon_receiving("a lookup of stock by SKU")
        .given("stock exists", skus="SKU-1,SKU-2", available=5)
        .with_request("GET", INVENTORY_PATH)
        .with_query_parameter("skus", "SKU-1,SKU-2")
        .will_respond_with(200)
        .with_body({"items": match.array_containing(stock)}, "application/json")
    )
    yield pact
    folder = find_pact_dir()
    assert folder is not None, "run from inside the repository (or set PACT_DIR)"
    pact.write_file(folder, overwrite=True)


async def test_the_cart_reads_availability_by_sku(pact: Pact) -> None:
    with pact_mock_server(pact) as url:
        catalog = HttpCatalog.from_urls("http://127.0.0.1:9", url, settings=None)
        async with catalog.lifespan():
            available = await catalog.availability(["SKU-2", "SKU-1"])
    assert available == {"SKU-1": 5, "SKU-2": 5}
