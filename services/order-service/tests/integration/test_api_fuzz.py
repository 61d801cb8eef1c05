"""Keep it found: schemathesis over order-service's own OpenAPI (no 5xx, every answer as
documented, as an anonymous caller, a customer and an admin) and every route walked as a
hostile caller (none, forged or expired token, another customer)."""

from __future__ import annotations

import pytest
from conftest import new_key, order_body
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import callers_for, fuzz_api, walk_authorization
from shopkit.testing._auth import JWKSServer
from upstream_pacts import CART_ID

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
    """Another customer gets nowhere with the first customer's order: not reading, cancelling
    or shipping it; nobody without a valid token gets anywhere at all."""
    placed = await client.post(
        "/api/orders",
        json=order_body(CART_ID),
        headers={**customer_headers, "Idempotency-Key": new_key()},
    )
    assert placed.status_code == 201, placed.text
    violations = await walk_authorization(
        client,
        jwks_server.issuer(),
        other_customer=other_customer_headers["Authorization"].removeprefix("Bearer "),
        owned={"order_id": placed.json()["id"]},
    )
    assert not violations, "\n".join(map(str, violations))
