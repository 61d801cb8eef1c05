"""The OAuth2 client-credentials grant: services get short-lived, scoped tokens (issue 9)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from conftest import unique_ip, with_identity
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import (
    JWKSClient,
    TokenVerifier,
    client_credentials_provider,
    dev_client_secret,
)
from shopkit.config import ServiceClientSettings, ServiceSettings
from shopkit.testing import client_for, serve_app

from user_service.app import create_app
from user_service.config import Settings, load_settings, secret_hash

pytestmark = pytest.mark.integration

JWKS_URL = "http://testserver.local/api/auth/.well-known/jwks.json"
DEV_SECRET = dev_client_secret("order-service")


async def _grant(
    client: AsyncTestClient[Litestar], headers: dict[str, str] | None = None, **form: str
) -> Any:
    return await client.post(
        "/api/auth/token", data=form, headers={"X-Forwarded-For": unique_ip(), **(headers or {})}
    )


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _clients(**clients: dict[str, list[str]]) -> str:
    return json.dumps(clients)


async def test_order_service_gets_a_short_lived_scoped_service_token(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await _grant(
        client,
        grant_type="client_credentials",
        client_id="order-service",
        client_secret=DEV_SECRET,
        scope="payments:create",
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "payments:create"

    principal = await TokenVerifier(JWKSClient(JWKS_URL, http_client=client)).verify(
        body["access_token"]
    )
    assert principal.subject == "service:order-service"
    assert principal.roles == frozenset({"service"})
    assert principal.has_scope("payments:create")
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300
    assert claims["scope"] == "payments:create"


async def test_http_basic_client_authentication_works_and_no_scope_asks_for_all(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await _grant(
        client, headers=_basic("order-service", DEV_SECRET), grant_type="client_credentials"
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "payments:create payments:read"


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("order-service", "not-the-secret"), ("nobody-service", DEV_SECRET), ("", "")],
)
async def test_an_unknown_client_or_wrong_secret_is_401_invalid_client(
    client: AsyncTestClient[Litestar], client_id: str, secret: str
) -> None:
    response = await _grant(
        client, grant_type="client_credentials", client_id=client_id, client_secret=secret
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json()["code"] == "invalid-client"
    basic = await _grant(client, headers=_basic(client_id, secret), grant_type="client_credentials")
    assert basic.status_code == 401
    assert basic.json()["code"] == "invalid-client"


async def test_a_scope_outside_the_clients_allowance_is_400_invalid_scope(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await _grant(
        client,
        grant_type="client_credentials",
        client_id="order-service",
        client_secret=DEV_SECRET,
        scope="payments:create refunds:create",
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-scope"
    assert response.json()["invalid_params"][0]["name"] == "scope"
    assert "refunds:create" in response.json()["detail"]


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", ""])
async def test_another_grant_type_is_400_unsupported_grant_type(
    client: AsyncTestClient[Litestar], grant_type: str
) -> None:
    response = await _grant(
        client, grant_type=grant_type, client_id="order-service", client_secret=DEV_SECRET
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported-grant-type"


async def test_a_missing_grant_type_is_422_and_two_ways_of_authenticating_400(
    client: AsyncTestClient[Litestar],
) -> None:
    missing = await _grant(client, client_id="order-service", client_secret=DEV_SECRET)
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert "grant_type" in missing.text
    both = await _grant(
        client,
        headers=_basic("order-service", DEV_SECRET),
        grant_type="client_credentials",
        client_id="order-service",
        client_secret=DEV_SECRET,
    )
    assert both.status_code == 400
    assert both.json()["code"] == "invalid-request"


async def test_a_secret_is_rotated_by_accepting_old_and_new_for_a_while(settings: Settings) -> None:
    old, new = "old-secret-0123456789abcdef", "new-secret-fedcba9876543210"
    during = with_identity(
        settings,
        service_clients=_clients(
            **{
                "payment-service": {
                    "secrets": [secret_hash(old), secret_hash(new)],
                    "scopes": ["a", "b"],
                }
            }
        ),
    )
    after = with_identity(
        settings,
        service_clients=_clients(
            **{"payment-service": {"secrets": [secret_hash(new)], "scopes": ["a", "b"]}}
        ),
    )
    form = {"grant_type": "client_credentials", "client_id": "payment-service", "scope": "a"}
    async with client_for(create_app(during)) as client:
        for secret in (old, new):
            response = await _grant(client, **form, client_secret=secret)
            assert response.status_code == 200, response.text
            assert response.json()["scope"] == "a"
        # Configured clients replace the development defaults.
        dev = await _grant(
            client,
            grant_type="client_credentials",
            client_id="order-service",
            client_secret=DEV_SECRET,
        )
        assert dev.status_code == 401
    async with client_for(create_app(after)) as client:
        assert (await _grant(client, **form, client_secret=old)).status_code == 401
        assert (await _grant(client, **form, client_secret=new)).status_code == 200


async def test_guessing_a_client_secret_is_slowed_like_a_password(
    client: AsyncTestClient[Litestar],
) -> None:
    ip = unique_ip()
    form = {"grant_type": "client_credentials", "client_id": "order-service"}
    headers = {"X-Forwarded-For": ip}
    for _ in range(3):
        wrong = await _grant(client, headers=headers, **form, client_secret="guess-123")
        assert wrong.status_code == 401
    limited = await _grant(client, headers=headers, **form, client_secret=DEV_SECRET)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 2
    # The real order-service, calling from its own address, is not held up.
    assert (await _grant(client, **form, client_secret=DEV_SECRET)).status_code == 200


async def test_outside_development_the_development_secret_is_never_accepted(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = msgspec.structs.replace(
        settings, service=ServiceSettings(name="user-service", environment="production")
    )
    async with client_for(create_app(production)) as client:
        response = await _grant(
            client,
            grant_type="client_credentials",
            client_id="order-service",
            client_secret=DEV_SECRET,
        )
        assert response.status_code == 401
    # Configuring it by hand outside development stops start-up.
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "production")
    monkeypatch.setenv(
        "IDENTITY_SERVICE_CLIENTS",
        _clients(**{"order-service": {"secrets": [secret_hash(DEV_SECRET)], "scopes": []}}),
    )
    with pytest.raises(ValueError, match="development secret of order-service"):
        load_settings()


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"order-service": {"secrets": ["plain-text-secret"], "scopes": []}}',
        '{"order-service": {"secrets": [], "scopes": []}}',
        '{"Order Service": {"secrets": ["' + "a" * 64 + '"], "scopes": []}}',
    ],
)
def test_a_malformed_client_registry_stops_start_up(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDENTITY_SERVICE_CLIENTS", raw)
    with pytest.raises((ValueError, msgspec.ValidationError)):
        load_settings()


async def test_the_sdks_client_credentials_provider_gets_a_token_from_the_served_app(
    settings: Settings,
) -> None:
    """The real seam: the SDK's provider over HTTP against this app served by uvicorn."""
    with serve_app(create_app(settings)) as base_url:
        provider = client_credentials_provider(
            ServiceClientSettings(token_url=f"{base_url}/api/auth/token"),
            "order-service",
            ["payments:create"],
        )
        headers = await provider.headers()
        async with httpx.AsyncClient() as http:
            jwks = JWKSClient(f"{base_url}/api/auth/.well-known/jwks.json", http_client=http)
            principal = await TokenVerifier(jwks).verify(headers["Authorization"].split()[1])
    assert principal.subject == "service:order-service"
    assert principal.has_scope("payments:create")
