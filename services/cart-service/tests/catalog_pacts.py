"""How cart-service talks to product-service and inventory-service, described once as Pact
interactions.

The consumer pacts (tests/contract/consumer) describe the exact requests the providers verify.
The integration tests and the provider verification run the app against a *stand-in*: Pact mock
servers built from the same request and item shapes (`standin_catalog`), answering any list of
SKUs with this module's small catalog (the client keeps only the SKUs it asked for). No fake of
our own services is written by hand; the stand-in is never written to a pact file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pact import Pact, match
from shopkit.testing import pact_mock_server

PRODUCT_PATH = "/api/products/skus"
INVENTORY_PATH = "/api/inventory"
# The provider states' price: EUR base 1999, converted at the seeded rates (half-even).
PRICES = {"EUR": 1999, "USD": 2159, "GBP": 1699, "JPY": 3238}
SKU_LIST = r"^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$"

# The stand-in's catalog: SKU -> (status, available). Absent SKUs are unknown to both services.
STANDIN_SKUS: dict[str, tuple[str, int]] = {
    "SKU-1": ("active", 500),
    "SKU-2": ("active", 500),
    "LOW-1": ("active", 3),
    "NOSTOCK-1": ("active", 0),
    "OLD-1": ("archived", 500),
    **{f"TEE-{i:02d}": ("active", 500) for i in range(60)},
}


def product_item(sku: str, currency: str, status: str = "active") -> dict[str, Any]:
    """One item of `GET /api/products/skus` as product-service answers it."""
    return {
        "sku": sku,
        "product_id": f"0193a5b2-0000-7000-8000-{abs(hash(sku)) % 10**12:012d}",
        "name": f"Product {sku}",
        "slug": f"product-{sku.lower()}",
        "image": f"https://img.shopkit.local/{sku.lower()}.jpg",
        "options": {"size": "M"},
        "price": {"amount": PRICES[currency], "currency": currency},
        "status": status,
    }


def stock_item(sku: str, available: int) -> dict[str, Any]:
    """One item of `GET /api/inventory?skus=` as inventory-service answers it."""
    return {"sku": sku, "on_hand": available, "reserved": 0, "available": available}


def _standin_products() -> Pact:
    pact = Pact("cart-service-standin", "product-service").with_specification("V4")
    for currency in PRICES:
        items = [product_item(sku, currency, status) for sku, (status, _) in STANDIN_SKUS.items()]
        (
            pact.upon_receiving(f"a lookup of SKUs in {currency}")
            .given("products with SKUs exist")
            .with_request("GET", PRODUCT_PATH)
            .with_query_parameter("skus", match.regex("SKU-1,SKU-2", regex=SKU_LIST))
            .with_query_parameter("currency", currency)
            .will_respond_with(200)
            .with_body({"items": items}, "application/json")
        )
    return pact


def _standin_inventory() -> Pact:
    pact = Pact("cart-service-standin", "inventory-service").with_specification("V4")
    items = [stock_item(sku, available) for sku, (_, available) in STANDIN_SKUS.items()]
    (
        pact.upon_receiving("a lookup of stock")
        .given("stock exists")
        .with_request("GET", INVENTORY_PATH)
        .with_query_parameter("skus", match.regex("SKU-1,SKU-2", regex=SKU_LIST))
        .will_respond_with(200)
        .with_body({"items": items}, "application/json")
    )
    return pact


@contextmanager
def standin_catalog() -> Iterator[tuple[str, str]]:
    """(product-service URL, inventory-service URL) of the stand-in mock servers."""
    with (
        pact_mock_server(_standin_products()) as products,
        pact_mock_server(_standin_inventory()) as inventory,
    ):
        yield products, inventory
