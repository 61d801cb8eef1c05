"""Keep it found: schemathesis over user-service's own OpenAPI (no 5xx, every answer as
documented, as an anonymous caller, a customer and an admin) and every route walked as a
hostile caller (none, forged or expired token, another customer)."""

from __future__ import annotations

import pytest
from conftest import Account, AccountFactory
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import fuzz_api, walk_authorization
from shopkit.testing._auth import JWKSServer

pytestmark = pytest.mark.integration

SKIP: list[str] = []

# Every refused credential costs an argon2 hash (on purpose: no timing oracle), so the
# operations that check one get fewer examples to stay within the suite's time budget.
SLOW = {
    name: 6
    for name in (
        "register",
        "login",
        "refreshTokens",
        "logout",
        "requestPasswordReset",
        "confirmPasswordReset",
        "issueServiceToken",
    )
}


async def test_every_operation_answers_as_documented(
    client: AsyncTestClient[Litestar], customer: Account, admin: Account
) -> None:
    """The callers hold user-service's own tokens: it verifies with its own keys, not the
    test JWKS."""
    callers = {"anonymous": {}, "customer": customer.headers, "admin": admin.headers}
    report = await fuzz_api(client, callers, skip=SKIP, examples_for=SLOW)
    assert report.requests > 0
    assert not report.failures, report.explain()


async def test_no_route_lets_a_hostile_caller_in(
    client: AsyncTestClient[Litestar],
    jwks_server: JWKSServer,
    customer: Account,
    make_account: AccountFactory,
) -> None:
    address = {"name": "Jane Doe", "line1": "Hauptstr. 1", "city": "Berlin"}
    address |= {"postal_code": "10115", "country": "DE"}
    created = await client.post("/api/users/me/addresses", json=address, headers=customer.headers)
    assert created.status_code == 201, created.text
    other = await make_account()
    violations = await walk_authorization(
        client,
        jwks_server.issuer(),
        other_customer=other.access_token,
        owned={"address_id": created.json()["id"]},
    )
    assert not violations, "\n".join(map(str, violations))
