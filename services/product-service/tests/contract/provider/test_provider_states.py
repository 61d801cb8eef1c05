"""The provider states consumers' pacts rely on put the real database where they say, even
before any consumer's pact asks for them (cart- and order-service price lines with them)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from provider_states import STATES
from shopkit.testing import serve_app

from product_service.app import create_app
from product_service.config import Settings

pytestmark = pytest.mark.contract


def lookup(http: httpx.Client, skus: list[str], currency: str) -> list[dict[str, Any]]:
    response = http.get("/api/products/skus", params={"skus": ",".join(skus), "currency": currency})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_products_with_skus_exist_at_1999_eur_and_the_starting_rates(
    settings: Settings, token_factory: Any
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    skus = [f"PACT-{tag}-1", f"PACT-{tag}-2"]
    setup = STATES["products with SKUs exist"](settings)
    admin = {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}

    with serve_app(create_app(settings)) as base_url, httpx.Client(base_url=base_url) as http:
        setup(parameters={"skus": ",".join(skus)})
        for currency, amount in (("EUR", 1999), ("USD", 2159), ("GBP", 1699), ("JPY", 3238)):
            items = lookup(http, skus, currency)
            assert [(i["sku"], i["status"], i["price"]) for i in items] == [
                (sku, "active", {"amount": amount, "currency": currency}) for sku in skus
            ]

        # Someone re-priced and archived one, and moved a rate: the state puts it all back.
        product_id = lookup(http, skus[:1], "EUR")[0]["product_id"]
        changed = http.patch(
            f"/api/products/{product_id}",
            json={
                "status": "archived",
                "variants": [{"sku": skus[0], "base_price": {"amount": 500}, "prices": {"USD": 7}}],
            },
            headers=admin,
        )
        assert changed.status_code == 200, changed.text
        rates = http.put("/api/currencies/rates", json={"rates": {"USD": "2"}}, headers=admin)
        assert rates.status_code == 200, rates.text

        setup(parameters={"skus": ",".join(skus)})
        setup(parameters={"skus": ",".join(skus)})

        items = lookup(http, skus, "USD")
        assert [(i["status"], i["price"]["amount"]) for i in items] == [("active", 2159)] * 2
        assert items[0]["product_id"] == product_id  # brought back, not created again


def test_a_product_with_variants_exists_under_the_slug_asked(
    settings: Settings, token_factory: Any
) -> None:
    slug = f"contract-shown-{uuid.uuid4().hex[:6]}"
    setup = STATES["a product with variants exists"](settings)
    admin = {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}

    with serve_app(create_app(settings)) as base_url, httpx.Client(base_url=base_url) as http:
        STATES["a category with a subcategory exists"](settings)()
        setup(parameters={"slug": slug})
        shown = http.get(f"/api/products/{slug}", params={"currency": "USD"})
        assert shown.status_code == 200, shown.text
        product = shown.json()
        assert product["category"]["slug"] == "contract-headphones"
        assert [(v["options"], v["price"]["currency"]) for v in product["variants"]] == [
            ({"colour": "black"}, "USD"),
            ({"colour": "white"}, "USD"),
        ]

        # Someone archived it and dropped a SKU: the state puts it back, under the same id.
        changed = http.patch(
            f"/api/products/{product['id']}",
            json={
                "status": "archived",
                "variants": [{"sku": product["variants"][0]["sku"], "base_price": {"amount": 1}}],
            },
            headers=admin,
        )
        assert changed.status_code == 200, changed.text
        setup(parameters={"slug": slug})

        again = http.get(f"/api/products/{slug}", params={"currency": "USD"}).json()
        assert (again["id"], again["status"], len(again["variants"])) == (
            product["id"],
            "active",
            2,
        )
        assert again["variants"][0]["base_price"] == {"amount": 1299, "currency": "EUR"}
