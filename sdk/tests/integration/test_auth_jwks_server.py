"""Verification against a real JWKS endpoint over HTTP: caching, rotation and refetch limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from shopkit.auth import JWKSClient, TokenVerifier, generate_signing_key
from shopkit.config import AuthSettings, from_env
from shopkit.errors import UnauthorizedError
from shopkit.testing._auth import JWKSServer, TokenFactory

pytestmark = pytest.mark.integration


class Clock:
    """Drives the cache's notion of time; the HTTP traffic is real."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fresh_server(jwks_server: JWKSServer) -> Iterator[None]:
    jwks_server.reset()
    yield
    jwks_server.reset()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def verifier(
    auth_settings: AuthSettings,
    clock: Clock,
) -> AsyncIterator[TokenVerifier]:
    jwks = JWKSClient(auth_settings.jwks_url, 300, min_refresh_interval=10, clock=clock)
    yield TokenVerifier(jwks, auth_settings.issuer, auth_settings.audience)
    await jwks.aclose()


async def test_many_verifications_cost_one_fetch(
    verifier: TokenVerifier,
    jwks_server: JWKSServer,
    token_factory: TokenFactory,
) -> None:
    tokens = [token_factory(subject=f"user-{n}") for n in range(25)]

    subjects = [(await verifier.verify(token)).subject for token in tokens]

    assert subjects == [f"user-{n}" for n in range(25)]
    assert jwks_server.requests_served == 1


async def test_rotated_key_is_picked_up_with_one_refetch(
    verifier: TokenVerifier,
    jwks_server: JWKSServer,
    token_factory: TokenFactory,
    clock: Clock,
) -> None:
    old_token = token_factory()
    await verifier.verify(old_token)
    jwks_server.rotate()
    clock.now += 11
    new_tokens = [token_factory(roles=["admin"]) for _ in range(5)]

    for token in new_tokens:
        assert (await verifier.verify(token)).roles == frozenset({"admin"})
    await verifier.verify(old_token)  # still published during the rotation

    assert jwks_server.requests_served == 2


async def test_garbage_kids_do_not_hammer_the_user_service(
    verifier: TokenVerifier,
    jwks_server: JWKSServer,
    token_factory: TokenFactory,
    clock: Clock,
) -> None:
    await verifier.verify(token_factory())
    clock.now += 11
    strangers = [generate_signing_key(kid=f"forged-{n}", algorithm="EdDSA") for n in range(30)]

    for stranger in strangers:
        with pytest.raises(UnauthorizedError, match="unknown key"):
            await verifier.verify(jwks_server.issuer(stranger).issue_access_token("x", ["admin"]))

    assert jwks_server.requests_served == 2


async def test_removed_key_is_refused_once_the_cache_expires(
    verifier: TokenVerifier,
    jwks_server: JWKSServer,
    token_factory: TokenFactory,
    clock: Clock,
) -> None:
    old_token = token_factory()
    await verifier.verify(old_token)
    jwks_server.rotate(drop_old=True)

    clock.now += 299
    await verifier.verify(old_token)  # cached: the service has not looked again yet
    clock.now += 2
    with pytest.raises(UnauthorizedError, match="unknown key"):
        await verifier.verify(old_token)
    assert (await verifier.verify(token_factory())).subject


async def test_user_service_outage_keeps_known_tokens_working(
    verifier: TokenVerifier,
    jwks_server: JWKSServer,
    token_factory: TokenFactory,
    clock: Clock,
) -> None:
    token = token_factory()
    await verifier.verify(token)
    jwks_server.available = False
    clock.now += 301

    for _ in range(5):
        await verifier.verify(token)

    assert jwks_server.requests_served == 2


async def test_jwks_server_serves_only_public_keys(
    jwks_server: JWKSServer,
) -> None:
    async with httpx.AsyncClient() as client:
        document = (await client.get(jwks_server.url)).json()
        missing = await client.get(jwks_server.url.replace("jwks.json", "other"))

    assert [key["kid"] for key in document["keys"]] == ["test-key-1"]
    assert "d" not in document["keys"][0]
    assert missing.status_code == 404


def test_auth_env_points_settings_at_the_server(
    auth_env: AuthSettings,
    jwks_server: JWKSServer,
) -> None:

    assert from_env(AuthSettings).jwks_url == jwks_server.url
