"""POST /api/orders through the real app, the real database and broker; cart-, product- and
payment-service are the mock servers started from our consumer pacts (tests/upstream_pacts.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from conftest import ADDRESS, app_for, new_key, order_body
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import ServiceTokenProvider
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, client_for, free_port
from upstream_pacts import CART_ID, PAYMENT_ID, QUANTITY, SKU, UNIT_PRICE_USD, UNKNOWN_CART_ID

from order_service.config import Settings, UpstreamSettings
from order_service.events.events import OrderPlaced

pytestmark = pytest.mark.integration

PREFIX = "/api/orders"


def invalid_names(response: Any) -> list[str]:
    return [param["name"] for param in response.json().get("invalid_params", [])]


async def count_orders(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> int:
    response = await client.get(PREFIX, headers=headers, params={"limit": 1})
    return int(response.json()["total"])


async def test_placing_an_order_prices_the_cart_anew_and_starts_the_saga(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    placed_events = await event_collector(OrderPlaced.event_type)
    response = await client.post(
        PREFIX,
        json=order_body(CART_ID),
        headers={**customer_headers, "Idempotency-Key": new_key()},
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "pending"
    assert order["payment_id"] == PAYMENT_ID
    assert order["currency"] == "USD"
    assert order["exchange_rate"] == "1.08"
    assert order["lines"] == [
        {
            "sku": SKU,
            "name": "Tee, red, M",
            "quantity": QUANTITY,
            "unit_price": {"amount": UNIT_PRICE_USD, "currency": "USD"},
            "line_total": {"amount": UNIT_PRICE_USD * QUANTITY, "currency": "USD"},
        }
    ]
    assert order["total"] == {"amount": UNIT_PRICE_USD * QUANTITY, "currency": "USD"}
    assert order["shipping_address"] == {**ADDRESS, "line2": None}
    assert [(h["from"], h["to"], h["reason"]) for h in order["history"]] == [
        (None, "pending", "placed")
    ]

    for _ in range(50):
        received = await placed_events.next(timeout=5)
        placed = payload_as(received.envelope, OrderPlaced)
        if placed.order_id == order["id"]:
            break
    else:
        pytest.fail("order.placed never arrived")
    assert placed.cart_id == CART_ID
    assert [(line.sku, line.quantity) for line in placed.lines] == [(SKU, QUANTITY)]
    assert placed.total.amount == UNIT_PRICE_USD * QUANTITY
    assert placed.reservation_ttl_seconds == 900


async def test_the_same_key_gives_the_same_order_and_another_body_is_refused(
    client: AsyncTestClient[Litestar], customer_headers: dict[str, str]
) -> None:
    headers = {**customer_headers, "Idempotency-Key": new_key()}
    first = await client.post(PREFIX, json=order_body(CART_ID), headers=headers)
    again = await client.post(PREFIX, json=order_body(CART_ID), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]

    before = await count_orders(client, customer_headers)
    other = await client.post(PREFIX, json=order_body(CART_ID, currency="GBP"), headers=headers)
    assert other.status_code == 422
    assert invalid_names(other) == ["Idempotency-Key"]
    assert await count_orders(client, customer_headers) == before


async def test_refused_checkouts_name_the_field_and_store_nothing(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    other_customer_headers: dict[str, str],
) -> None:
    before = await count_orders(client, customer_headers)

    no_key = await client.post(PREFIX, json=order_body(CART_ID), headers=customer_headers)
    assert no_key.status_code == 422
    assert invalid_names(no_key) == ["Idempotency-Key"]

    def keyed(headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "Idempotency-Key": new_key()}

    unknown = await client.post(
        PREFIX, json=order_body(UNKNOWN_CART_ID), headers=keyed(customer_headers)
    )
    assert unknown.status_code == 422
    assert invalid_names(unknown) == ["cart_id"]

    # cart-service's pact hands the cart to its owner only; anyone else gets no order from it
    not_theirs = await client.post(
        PREFIX, json=order_body(CART_ID), headers=keyed(other_customer_headers)
    )
    assert not_theirs.status_code == 422
    assert invalid_names(not_theirs) == ["cart_id"]

    # the currencies product-service lists (per the pact: USD) are the only ones sold in
    unsupported = await client.post(
        PREFIX, json=order_body(CART_ID, currency="CHF"), headers=keyed(customer_headers)
    )
    assert unsupported.status_code == 422
    assert invalid_names(unsupported) == ["currency"]

    bad_country = await client.post(
        PREFIX,
        json=order_body(CART_ID, shipping_address={**ADDRESS, "country": "Britain"}),
        headers=keyed(customer_headers),
    )
    assert bad_country.status_code == 422
    assert invalid_names(bad_country) == ["shipping_address.country"]

    # two capital letters are not enough: the code must be an assigned ISO 3166-1 country
    unassigned_country = await client.post(
        PREFIX,
        json=order_body(CART_ID, shipping_address={**ADDRESS, "country": "ZZ"}),
        headers=keyed(customer_headers),
    )
    assert unassigned_country.status_code == 422
    assert invalid_names(unassigned_country) == ["shipping_address.country"]

    assert await count_orders(client, customer_headers) == before
    assert await count_orders(client, other_customer_headers) == 0


async def test_only_signed_in_customers_place_orders(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> None:
    body = order_body(CART_ID)
    anonymous = await client.post(PREFIX, json=body, headers={"Idempotency-Key": new_key()})
    admin = await client.post(
        PREFIX, json=body, headers={**admin_headers, "Idempotency-Key": new_key()}
    )
    assert anonymous.status_code == 401
    assert admin.status_code == 403
    assert admin.headers["content-type"] == "application/problem+json"


async def test_ready_checks_database_and_broker(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker"}


async def test_an_order_placed_while_payment_service_is_away_gets_its_payment_once_it_is_back(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
) -> None:
    """The customer is not turned away: the order is stored without a payment (`payment_id`
    null), and the payment is created with the order's key as soon as payment-service answers;
    the order's history says so, which changes its ETag (the client following it wakes)."""
    away = msgspec.structs.replace(
        settings, payment_service=UpstreamSettings(base_url=f"http://127.0.0.1:{free_port()}")
    )
    headers = {**customer_headers, "Idempotency-Key": new_key()}
    async with client_for(app_for(away, service_tokens)) as client:
        placed = await client.post(PREFIX, json=order_body(CART_ID), headers=headers)
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert (order["status"], order["payment_id"]) == ("pending", None)
        again = await client.post(PREFIX, json=order_body(CART_ID), headers=headers)
        assert (again.status_code, again.json()["payment_id"]) == (200, None)

    async with client_for(app_for(settings, service_tokens)) as client:  # payment-service back
        for _ in range(100):
            seen = (await client.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).json()
            if seen["payment_id"] is not None:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the order never got its payment")
    assert seen["payment_id"] == PAYMENT_ID
    assert [h["reason"] for h in seen["history"]][-1] == "payment_prepared"
