"""Currencies and exchange rates: admins set them as decimal strings; a rate change re-prices
every SKU that has no explicit price in that currency and announces it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
import pytest
from factories import event_matching
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import CollectorFactory

pytestmark = pytest.mark.integration

Client = AsyncTestClient[Litestar]
Maker = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def restore_rates(client: Client, admin_headers: dict[str, str]) -> AsyncIterator[None]:
    """Other tests price against the starting rates: put them back afterwards."""
    yield
    starting = {"USD": "1.08", "GBP": "0.85", "JPY": "162"}
    response = await client.put(
        "/api/currencies/rates", json={"rates": starting}, headers=admin_headers
    )
    assert response.status_code == 200, response.text


async def test_the_supported_currencies_with_exponents_and_rates(client: Client) -> None:
    response = await client.get("/api/currencies")
    assert response.status_code == 200
    body = response.json()
    assert body["base_currency"] == "EUR"
    by_code = {c["code"]: c for c in body["items"]}
    assert {code: (c["exponent"], c["rate"]) for code, c in by_code.items()} == {
        "EUR": (2, "1"),
        "USD": (2, "1.08"),
        "GBP": (2, "0.85"),
        "JPY": (0, "162"),
    }
    assert response.headers["cache-control"] == "public, max-age=30"


@pytest.mark.usefixtures("restore_rates")
async def test_a_rate_change_reprices_and_announces_only_the_skus_it_moves(
    client: Client,
    admin_headers: dict[str, str],
    make_product: Maker,
    event_collector: CollectorFactory,
) -> None:
    product = await make_product()
    converted_sku, explicit_sku = (v["sku"] for v in product["variants"])
    before = await client.get(f"/api/products/{product['id']}", params={"currency": "JPY"})
    assert before.json()["variants"][0]["price"]["amount"] == 2104
    price_events = await event_collector("price.changed.v1")

    response = await client.put(
        "/api/currencies/rates", json={"rates": {"JPY": "170.5"}}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert {c["code"]: c["rate"] for c in response.json()["items"]}["JPY"] == "170.5"

    after = await client.get(f"/api/products/{product['id']}", params={"currency": "JPY"})
    converted, explicit = after.json()["variants"]
    assert converted["price"] == {"amount": 2215, "currency": "JPY"}  # 12.99 * 170.5 = 2214.795
    assert explicit["price"] == {"amount": 2500, "currency": "JPY"}  # explicit prices stay

    event = await event_matching(price_events, lambda p: p["product_id"] == product["id"])
    assert event["sku"] == converted_sku
    assert event["prices"] == {"EUR": 1299, "GBP": 1104, "JPY": 2215, "USD": 1403}
    assert event["base_price"] == {"amount": 1299, "currency": "EUR"}
    await asyncio.sleep(0.5)  # the explicit-priced SKU did not move: never announced
    announced = {msgspec.json.decode(e.envelope.payload)["sku"] for e in price_events.received}
    assert converted_sku in announced
    assert explicit_sku not in announced


@pytest.mark.parametrize(
    ("rates", "field"),
    [
        ({"USD": 1.09}, "rates"),
        ({"USD": "-1"}, "rates"),
        ({"XYZ": "2"}, "rates.XYZ"),
        ({"CHF": "0.95"}, "rates.CHF"),
        ({"EUR": "1.1"}, "rates.EUR"),
        ({"USD": "0"}, "rates.USD"),
    ],
)
async def test_bad_rates_are_422_naming_the_field_and_change_nothing(
    client: Client, admin_headers: dict[str, str], rates: dict[str, Any], field: str
) -> None:
    response = await client.put(
        "/api/currencies/rates", json={"rates": {"GBP": "0.9", **rates}}, headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["invalid_params"][0]["name"].startswith(field)
    current = (await client.get("/api/currencies")).json()
    assert {c["code"]: c["rate"] for c in current["items"]}["GBP"] == "0.85"


async def test_only_admins_set_rates(client: Client, customer_headers: dict[str, str]) -> None:
    body = {"rates": {"USD": "2"}}
    assert (await client.put("/api/currencies/rates", json=body)).status_code == 401
    refused = await client.put("/api/currencies/rates", json=body, headers=customer_headers)
    assert refused.status_code == 403
    current = (await client.get("/api/currencies")).json()
    assert {c["code"]: c["rate"] for c in current["items"]}["USD"] == "1.08"
