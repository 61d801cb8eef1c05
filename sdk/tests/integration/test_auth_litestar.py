"""A small Litestar app behind the auth middleware, with keys from the real JWKS server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar.di import Provide
from litestar.testing import AsyncTestClient
from shopkit.auth import (
    CurrentPrincipal,
    TokenVerifier,
    auth_middleware,
    generate_signing_key,
    optional_principal,
    provide_principal,
    requires_admin,
    requires_authenticated,
    requires_role,
    requires_scope,
    verifier_from_settings,
)
from shopkit.config import AuthSettings
from shopkit.errors import PROBLEM_JSON, exception_handlers
from shopkit.testing._auth import JWKSServer, TokenFactory

pytestmark = pytest.mark.integration


@get("/public", sync_to_thread=False)
def public_page(request: Request[Any, Any, Any]) -> dict[str, str | None]:
    principal = optional_principal(request)
    return {"hello": principal.subject if principal else None}


@get("/me", guards=[requires_authenticated], dependencies={"principal": Provide(provide_principal)})
async def me(principal: CurrentPrincipal) -> dict[str, object]:
    return {
        "subject": principal.subject,
        "roles": sorted(principal.roles),
        "email": principal.email,
    }


@get("/whoami", dependencies={"principal": Provide(provide_principal)})
async def whoami(principal: CurrentPrincipal) -> dict[str, str]:
    return {"subject": principal.subject}


@get("/admin/users", guards=[requires_admin], sync_to_thread=False)
def admin_users() -> dict[str, list[str]]:
    return {"items": []}


@get("/internal/stock", guards=[requires_role("service")], sync_to_thread=False)
def internal_stock() -> dict[str, int]:
    return {"available": 3}


@get("/internal/payments", guards=[requires_scope("payments:create")], sync_to_thread=False)
def internal_payments() -> dict[str, bool]:
    return {"created": True}


@get("/health/live", sync_to_thread=False)
def live(request: Request[Any, Any, Any]) -> dict[str, object]:
    return {"status": "ok", "anonymous": request.user is None}


@get("/health/me", guards=[requires_authenticated], sync_to_thread=False)
def excluded_but_guarded() -> dict[str, str]:
    return {"status": "ok"}


@pytest.fixture
async def verifier(
    auth_settings: AuthSettings,
    jwks_server: JWKSServer,
) -> AsyncIterator[TokenVerifier]:
    jwks_server.reset()
    verifier = verifier_from_settings(auth_settings)
    yield verifier
    await verifier.jwks.aclose()


@pytest.fixture
async def client(verifier: TokenVerifier) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = Litestar(
        [
            public_page,
            me,
            whoami,
            admin_users,
            internal_stock,
            internal_payments,
            live,
            excluded_but_guarded,
        ],
        middleware=[auth_middleware(verifier, exclude=["^/health"])],
        exception_handlers=exception_handlers(),
    )
    async with AsyncTestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_public_route_works_without_a_token(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/public")

    assert response.status_code == 200
    assert response.json() == {"hello": None}


async def test_public_route_sees_the_caller_when_a_token_is_given(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    response = await client.get("/public", headers=bearer(token_factory(subject="user-5")))

    assert response.json() == {"hello": "user-5"}


@pytest.mark.parametrize("path", ["/me", "/whoami", "/admin/users"])
async def test_anonymous_caller_gets_401_problem(
    client: AsyncTestClient[Litestar], path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == "Unauthorized"
    assert body["instance"] == path


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"],
)
async def test_malformed_authorization_is_401_even_on_public_routes(
    client: AsyncTestClient[Litestar], header: str
) -> None:
    response = await client.get("/public", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["detail"]


async def test_expired_token_is_401_with_invalid_token_challenge(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    response = await client.get("/me", headers=bearer(token_factory(ttl=-60)))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["detail"] == "The token has expired."


async def test_token_from_an_unpublished_key_is_401(
    client: AsyncTestClient[Litestar],
    jwks_server: JWKSServer,
) -> None:
    forged = jwks_server.issuer(generate_signing_key(kid="attacker")).issue_access_token(
        "user-1", ["admin"]
    )

    response = await client.get("/admin/users", headers=bearer(forged))

    assert response.status_code == 401


async def test_authenticated_route_returns_the_principal(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    token = token_factory(subject="user-9", email="nine@example.com")

    response = await client.get("/me", headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "subject": "user-9",
        "roles": ["customer"],
        "email": "nine@example.com",
    }


async def test_customer_on_admin_route_is_403_problem(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    response = await client.get("/admin/users", headers=bearer(token_factory(roles=["customer"])))

    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["title"] == "Forbidden"


async def test_admin_on_admin_route_is_200(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    response = await client.get("/admin/users", headers=bearer(token_factory(roles=["admin"])))

    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_admin_is_not_a_service(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    admin = await client.get("/internal/stock", headers=bearer(token_factory(roles=["admin"])))
    service = await client.get(
        "/internal/stock", headers=bearer(token_factory(roles=["service"], subject="service:x"))
    )

    assert admin.status_code == 403
    assert service.status_code == 200


async def test_a_scoped_route_takes_only_a_service_holding_the_scope(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    def call(token: str | None) -> Any:
        return client.get("/internal/payments", headers=bearer(token) if token else None)

    anonymous = await call(None)
    customer = await call(token_factory(roles=["customer"], scope="payments:create"))
    admin = await call(token_factory(roles=["admin"], scope="payments:create"))
    unscoped = await call(token_factory(roles=["service"], subject="service:cart-service"))
    other_scope = await call(
        token_factory(roles=["service"], subject="service:x", scope="stock:read orders:read")
    )
    scoped = await call(
        token_factory(
            roles=["service"], subject="service:order-service", scope="orders:read payments:create"
        )
    )

    assert anonymous.status_code == 401
    # A scope claim on a person's token is worth nothing: scopes are for services only.
    assert [customer.status_code, admin.status_code] == [403, 403]
    assert [unscoped.status_code, other_scope.status_code] == [403, 403]
    assert customer.headers["content-type"].startswith(PROBLEM_JSON)
    assert scoped.status_code == 200


async def test_a_token_whose_scope_is_not_a_string_is_401(
    client: AsyncTestClient[Litestar],
    token_factory: TokenFactory,
) -> None:
    token = token_factory(roles=["service"], subject="service:x", scope=["payments:create"])

    response = await client.get("/internal/payments", headers=bearer(token))

    assert response.status_code == 401


async def test_excluded_paths_skip_verification(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live", headers=bearer("garbage"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "anonymous": True}


async def test_guard_on_an_excluded_path_answers_401_not_500(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/health/me", headers=bearer("garbage"))

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
