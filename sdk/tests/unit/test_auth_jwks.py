"""JWKSClient's caching rules, on an in-memory transport and a hand-driven clock."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from shopkit.auth import (
    JWKSClient,
    KeySetUnavailableError,
    SigningKey,
    UnknownKeyError,
    generate_signing_key,
)

pytestmark = pytest.mark.unit

URL = "https://users.test/.well-known/jwks.json"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeUserService:
    """Publishes `keys`; `status` other than 200 simulates an outage; `delay` a slow answer."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys: list[dict[str, Any]] = [key.public_jwk() for key in keys]
        self.status = 200
        self.delay = 0.0
        self.requests = 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return httpx.Response(self.status, json={"title": "down"})
        return httpx.Response(200, json={"keys": self.keys})


@pytest.fixture(scope="module")
def key_a() -> SigningKey:
    return generate_signing_key(kid="a", algorithm="EdDSA")


@pytest.fixture(scope="module")
def key_b() -> SigningKey:
    return generate_signing_key(kid="b", algorithm="EdDSA")


def client_for(service: FakeUserService, clock: Clock, **kwargs: Any) -> JWKSClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(service.handle))
    options: dict[str, Any] = {"min_refresh_interval": 10.0, **kwargs}
    return JWKSClient(URL, 300, http, clock=clock, **options)


async def test_keys_are_cached_until_cache_seconds_pass(key_a: SigningKey) -> None:
    service, clock = FakeUserService(key_a), Clock()
    jwks = client_for(service, clock)

    for _ in range(20):
        await jwks.get_signing_key("a")
        clock.advance(10)
    assert service.requests == 1

    clock.advance(120)
    await jwks.get_signing_key("a")
    assert service.requests == 2


async def test_unknown_kid_refetches_once_then_finds_rotated_key(
    key_a: SigningKey, key_b: SigningKey
) -> None:
    service, clock = FakeUserService(key_a), Clock()
    jwks = client_for(service, clock)
    await jwks.get_signing_key("a")
    service.keys.append(key_b.public_jwk())
    clock.advance(11)

    key = await jwks.get_signing_key("b")

    assert key.key_id == "b"
    assert service.requests == 2


async def test_garbage_kids_cause_at_most_one_fetch_per_interval(key_a: SigningKey) -> None:
    service, clock = FakeUserService(key_a), Clock()
    jwks = client_for(service, clock)
    await jwks.get_signing_key("a")
    clock.advance(11)

    for n in range(50):
        with pytest.raises(UnknownKeyError):
            await jwks.get_signing_key(f"garbage-{n}")
    assert service.requests == 2

    clock.advance(11)
    with pytest.raises(UnknownKeyError):
        await jwks.get_signing_key("garbage-again")
    assert service.requests == 3


async def test_concurrent_requests_share_one_fetch(key_a: SigningKey) -> None:
    service, clock = FakeUserService(key_a), Clock()
    service.delay = 0.05
    jwks = client_for(service, clock)

    keys = await asyncio.gather(*(jwks.get_signing_key("a") for _ in range(25)))

    assert {key.key_id for key in keys} == {"a"}
    assert service.requests == 1


async def test_outage_keeps_serving_cached_keys_and_retries_later(key_a: SigningKey) -> None:
    service, clock = FakeUserService(key_a), Clock()
    jwks = client_for(service, clock)
    await jwks.get_signing_key("a")
    service.status = 503
    clock.advance(301)

    for _ in range(10):
        assert (await jwks.get_signing_key("a")).key_id == "a"
    assert service.requests == 2

    service.status = 200
    clock.advance(11)
    await jwks.get_signing_key("a")
    assert service.requests == 3


async def test_no_keys_at_all_is_503_not_401_and_not_a_fetch_storm(key_a: SigningKey) -> None:
    service, clock = FakeUserService(key_a), Clock()
    service.status = 500
    jwks = client_for(service, clock)

    for _ in range(5):
        with pytest.raises(KeySetUnavailableError) as caught:
            await jwks.get_signing_key("a")
        assert caught.value.status_code == 503
    assert service.requests == 1


async def test_symmetric_and_encryption_keys_are_never_used(key_a: SigningKey) -> None:
    service, clock = FakeUserService(key_a), Clock()
    service.keys += [
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256"},
        {**generate_signing_key(kid="enc", algorithm="EdDSA").public_jwk(), "use": "enc"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
    ]
    jwks = client_for(service, clock)

    await jwks.get_signing_key("a")

    assert jwks.key_ids == frozenset({"a"})
    with pytest.raises(UnknownKeyError):
        await jwks.get_signing_key("hmac")


async def test_owned_http_client_is_closed() -> None:
    async with JWKSClient(URL, 300) as jwks:
        client = jwks._client()
    assert client.is_closed
