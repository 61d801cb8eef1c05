"""Keep it found: schemathesis over cart-service's own OpenAPI (no 5xx, every answer as
documented, as an anonymous caller, a customer and an admin) and every route walked as a
hostile caller (none, forged or expired token, another customer)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import callers_for, fuzz_api, walk_authorization
from shopkit.testing._auth import JWKSServer

pytestmark = pytest.mark.integration

SKIP: list[str] = []


async def test_every_operation_answers_as_documented(
    client: AsyncTestClient[Litestar], jwks_server: JWKSServer
) -> None:
    report = await fuzz_api(client, callers_for(jwks_server.issuer()), skip=SKIP)
    assert report.requests > 0
    assert not report.failures, report.explain()


async def test_no_route_lets_a_hostile_caller_in(
    client: AsyncTestClient[Litestar],
    jwks_server: JWKSServer,
    customer_headers: dict[str, str],
    other_customer_headers: dict[str, str],
) -> None:
    """Another customer (and anyone without a token) gets nowhere with the first customer's
    cart: not reading, editing, emptying or claiming it."""
    cart = await client.post("/api/carts", headers=customer_headers)
    assert cart.status_code in (200, 201), cart.text
    added = await client.post(
        f"/api/carts/{cart.json()['id']}/items",
        json={"sku": "SKU-1", "quantity": 1},
        headers=customer_headers,
    )
    assert added.status_code == 200, added.text
    violations = await walk_authorization(
        client,
        jwks_server.issuer(),
        other_customer=other_customer_headers["Authorization"].removeprefix("Bearer "),
        owned={"cart_id": cart.json()["id"], "sku": "SKU-1"},
        bodies={"addCartItem": {"sku": "SKU-1", "quantity": 1}, "updateCartItem": {"quantity": 2}},
    )
    assert not violations, "\n".join(map(str, violations))
