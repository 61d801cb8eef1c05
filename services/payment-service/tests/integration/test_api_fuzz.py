"""Keep it found: schemathesis over payment-service's own OpenAPI (no 5xx, every answer as
documented, as an anonymous caller, a customer and an admin) and every route walked as a
hostile caller (none, forged or expired token, another customer)."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import callers_for, fuzz_api, walk_authorization
from shopkit.testing._auth import JWKSServer
from support import Customer

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
    customer: Customer,
    other_customer: Customer,
    service_headers: dict[str, str],
) -> None:
    """Another customer gets nowhere with the first customer's payment: not reading,
    confirming or refunding it; nobody without a valid token gets anywhere at all."""
    created = await client.post(
        "/api/payments",
        json={
            "order_id": f"order-{uuid.uuid4().hex[:8]}",
            "customer_id": customer.id,
            "amount": {"amount": 2500, "currency": "EUR"},
        },
        headers={**service_headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    violations = await walk_authorization(
        client,
        jwks_server.issuer(),
        other_customer=other_customer.headers["Authorization"].removeprefix("Bearer "),
        owned={"payment_id": created.json()["id"]},
        bodies={"confirmPayment": {"payment_method": "pm_card_visa"}},
    )
    assert not violations, "\n".join(map(str, violations))
