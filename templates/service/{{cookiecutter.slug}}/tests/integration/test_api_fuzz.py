"""Keep it found: schemathesis over {{ cookiecutter.slug }}'s own OpenAPI (no 5xx, every answer as
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
    client: AsyncTestClient[Litestar], jwks_server: JWKSServer
) -> None:
    issuer = jwks_server.issuer()
    other_customer = issuer.issue_access_token("fuzz-other-customer", ["customer"])
    violations = await walk_authorization(client, issuer, other_customer=other_customer)
    assert not violations, "\n".join(map(str, violations))
