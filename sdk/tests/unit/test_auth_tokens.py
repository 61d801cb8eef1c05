"""Issuing tokens, the Principal's role rules and the cached service-to-service token."""

from __future__ import annotations

import time

import httpx
import jwt
import msgspec
import pytest
from shopkit.auth import (
    JWKSClient,
    Principal,
    ServiceTokenProvider,
    SigningKey,
    TokenIssuer,
    TokenVerifier,
    generate_signing_key,
)

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_public_jwk_names_its_kid_and_algorithm_and_holds_no_private_part(
    signing_key: SigningKey,
) -> None:
    rsa_jwk = signing_key.public_jwk()
    ed_jwk = generate_signing_key(kid="ed", algorithm="EdDSA").public_jwk()

    assert (rsa_jwk["kid"], rsa_jwk["alg"], rsa_jwk["use"], rsa_jwk["kty"]) == (
        "test-key-1",
        "RS256",
        "sig",
        "RSA",
    )
    assert (ed_jwk["alg"], ed_jwk["kty"], ed_jwk["crv"]) == ("EdDSA", "OKP", "Ed25519")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & (rsa_jwk.keys() | ed_jwk.keys())


def test_signing_key_repr_does_not_leak_the_key(signing_key: SigningKey) -> None:
    assert repr(signing_key) == "SigningKey(kid='test-key-1', algorithm='RS256')"


def test_generated_kids_are_unique() -> None:
    assert (
        generate_signing_key(algorithm="EdDSA").kid != generate_signing_key(algorithm="EdDSA").kid
    )


def test_unsupported_algorithm_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        generate_signing_key(algorithm="HS256")  # type: ignore[arg-type]


def test_pem_key_without_kid_is_rejected(signing_key: SigningKey) -> None:
    with pytest.raises(ValueError, match="kid"):
        TokenIssuer(signing_key.private_pem())


def test_issued_access_token_carries_the_agreed_claims(signing_key: SigningKey) -> None:
    clock = Clock()
    token = TokenIssuer(signing_key, clock=clock).issue_access_token(
        "user-7", ["customer", "customer"], email="u@example.com", ttl_seconds=60
    )

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["kid"] == "test-key-1"
    assert header["alg"] == "RS256"
    assert claims["sub"] == "user-7"
    assert claims["roles"] == ["customer"]
    assert claims["email"] == "u@example.com"
    assert claims["typ"] == "access"
    assert (claims["iss"], claims["aud"]) == ("shopkit", "shopkit")
    assert claims["exp"] - claims["iat"] == 60
    assert claims["jti"]


def test_admin_does_not_imply_service_or_customer() -> None:
    admin = Principal(subject="u1", roles=frozenset({"admin"}))

    assert admin.has_role("admin")
    assert admin.has_role("service", "admin")
    assert not admin.has_role("service")
    assert not admin.has_role("customer")
    assert not admin.is_service


def test_principal_is_immutable() -> None:
    principal = Principal(subject="u1", roles=frozenset({"customer"}))

    with pytest.raises(AttributeError):
        principal.roles = frozenset({"admin"})  # type: ignore[misc]
    assert msgspec.json.decode(msgspec.json.encode(principal), type=Principal) == principal


async def test_service_token_is_reused_until_shortly_before_expiry(
    signing_key: SigningKey,
) -> None:
    clock = Clock()
    issuer = TokenIssuer(signing_key, clock=clock)
    provider = ServiceTokenProvider(
        "order-service", issuer=issuer, ttl_seconds=300, refresh_margin_seconds=30, clock=clock
    )

    first = await provider.token()
    clock.now += 269
    assert await provider.token() == first
    clock.now += 2
    second = await provider.token()

    assert second != first
    assert await provider.headers() == {"Authorization": f"Bearer {second}"}


async def test_service_token_verifies_as_a_service_principal(
    signing_key: SigningKey,
) -> None:
    document = {"keys": [signing_key.public_jwk()]}
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json=document))
    verifier = TokenVerifier(
        JWKSClient("https://u.test/jwks", 300, httpx.AsyncClient(transport=transport))
    )
    provider = ServiceTokenProvider("order-service", issuer=TokenIssuer(signing_key))

    principal = await verifier.verify(await provider.token())

    assert principal.subject == "service:order-service"
    assert principal.roles == frozenset({"service"})
    assert principal.is_service


async def test_fetched_service_token_is_cached_by_its_exp(
    signing_key: SigningKey,
) -> None:
    clock = Clock()
    issuer = TokenIssuer(signing_key, clock=clock)
    calls = 0

    async def fetch() -> str:
        nonlocal calls
        calls += 1
        return issuer.issue_access_token("service:cart", ["service"], ttl_seconds=120)

    provider = ServiceTokenProvider("cart", fetch=fetch, refresh_margin_seconds=20, clock=clock)

    for _ in range(5):
        await provider.token()
    clock.now += 99
    await provider.token()
    assert calls == 1
    clock.now += 2
    await provider.token()
    assert calls == 2


def test_service_token_provider_needs_exactly_one_source(
    signing_key: SigningKey,
) -> None:
    async def fetch() -> str:
        return ""

    with pytest.raises(ValueError, match="exactly one"):
        ServiceTokenProvider("x")
    with pytest.raises(ValueError, match="exactly one"):
        ServiceTokenProvider("x", issuer=TokenIssuer(signing_key), fetch=fetch)


def test_service_tokens_carry_their_scopes_and_people_tokens_none() -> None:
    issuer = TokenIssuer(generate_signing_key(kid="k1", algorithm="EdDSA"))

    service = jwt.decode(
        issuer.issue_access_token("service:order-service", ["service"], scopes=["b:x", "a:y"]),
        options={"verify_signature": False},
    )
    person = jwt.decode(
        issuer.issue_access_token("user-1", ["customer"]), options={"verify_signature": False}
    )

    assert service["scope"] == "a:y b:x"
    assert "scope" not in person


def test_a_service_without_a_secret_does_not_start_outside_development() -> None:
    from shopkit.auth import client_credentials_provider, dev_client_secret
    from shopkit.config import ServiceClientSettings

    with pytest.raises(ValueError, match="SERVICE_CLIENT_SECRET"):
        client_credentials_provider(
            ServiceClientSettings(), "order-service", ["payments:create"], environment="production"
        )
    assert dev_client_secret("order-service") == "dev-order-service-secret"
    # In development the default secret is used, and nothing is fetched until a token is needed.
    client_credentials_provider(ServiceClientSettings(), "order-service", ["payments:create"])
