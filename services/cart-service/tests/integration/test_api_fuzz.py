"""Keep it found: schemathesis over cart-service's own OpenAPI (no 5xx, every answer as
documented, as an anonymous caller, a customer and an admin) and every route walked as a
hostile caller (none, forged or expired token, another customer)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import FuzzReport, callers_for, fuzz_api, walk_authorization
from shopkit.testing._auth import JWKSServer

pytestmark = pytest.mark.integration

# operationId -> the bug the fuzz finds there; each is a strict xfail below until it is fixed.
KNOWN_BUGS: dict[str, str] = {}
SKIP: list[str] = []

_RUNS: dict[str, FuzzReport] = {}


@pytest.fixture
async def fuzz_report(client: AsyncTestClient[Litestar], jwks_server: JWKSServer) -> FuzzReport:
    """One fuzz run per module, shared by the tests below (it is the slow part)."""
    if "report" not in _RUNS:
        callers = callers_for(jwks_server.issuer())
        _RUNS["report"] = await fuzz_api(client, callers, skip=SKIP)
    return _RUNS["report"]


def test_every_operation_answers_as_documented(fuzz_report: FuzzReport) -> None:
    assert fuzz_report.requests > 0
    unexpected = fuzz_report.unexpected(KNOWN_BUGS)
    assert not unexpected, fuzz_report.explain(unexpected)


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
