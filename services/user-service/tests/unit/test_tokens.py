"""Token logic without I/O: stored keys sign tokens the SDK's verifier accepts, opaque tokens
are stored only as hashes, and settings refuse a grace period shorter than a token's life."""

from __future__ import annotations

import msgspec
import pytest
from jwt import PyJWK
from shopkit.auth import (
    JWKSClient,
    TokenIssuer,
    TokenVerifier,
    UnknownKeyError,
    generate_signing_key,
)
from shopkit.errors import UnauthorizedError

from user_service.config import IdentitySettings
from user_service.domain.auth._keys import load_signing_key
from user_service.domain.auth._tokens import new_secret, token_hash
from user_service.domain.auth.schemas import JsonWebKey

pytestmark = pytest.mark.unit


class StaticKeys(JWKSClient):
    """Keys in memory: what the verifier sees, without a database or a network."""

    def __init__(self, *jwks: dict[str, object]) -> None:
        super().__init__("memory:")
        self._published = {str(jwk["kid"]): PyJWK(jwk) for jwk in jwks}

    async def get_signing_key(self, kid: str) -> PyJWK:
        if kid not in self._published:
            raise UnknownKeyError(kid)
        return self._published[kid]


@pytest.fixture(scope="module")
def stored_key() -> tuple[str, str]:
    key = generate_signing_key()
    return key.kid, key.private_pem().decode()


async def test_a_stored_key_signs_tokens_the_sdk_verifier_accepts(
    stored_key: tuple[str, str],
) -> None:
    key = load_signing_key(*stored_key)
    token = TokenIssuer(key).issue_access_token(
        "0190aaaa-0000-7000-8000-000000000001", ["customer"], email="a@example.com", ttl_seconds=900
    )
    principal = await TokenVerifier(StaticKeys(key.public_jwk())).verify(token)
    assert principal.subject == "0190aaaa-0000-7000-8000-000000000001"
    assert principal.roles == frozenset({"customer"})
    assert principal.email == "a@example.com"


async def test_a_token_is_refused_once_its_key_is_no_longer_published(
    stored_key: tuple[str, str],
) -> None:
    token = TokenIssuer(load_signing_key(*stored_key)).issue_access_token("u", ["customer"])
    other = generate_signing_key()
    with pytest.raises(UnauthorizedError):
        await TokenVerifier(StaticKeys(other.public_jwk())).verify(token)


async def test_expired_and_tampered_tokens_are_refused(stored_key: tuple[str, str]) -> None:
    key = load_signing_key(*stored_key)
    verifier = TokenVerifier(StaticKeys(key.public_jwk()), leeway=0)
    issuer = TokenIssuer(key, clock=lambda: 1_000_000.0)
    with pytest.raises(UnauthorizedError, match="expired"):
        await verifier.verify(issuer.issue_access_token("u", ["customer"], ttl_seconds=60))
    good = TokenIssuer(key).issue_access_token("u", ["customer"])
    header, payload, signature = good.split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    with pytest.raises(UnauthorizedError):
        await verifier.verify(f"{header}.{payload}.{flipped}")


def test_loading_a_stored_key_is_cached(stored_key: tuple[str, str]) -> None:
    assert load_signing_key(*stored_key) is load_signing_key(*stored_key)


def test_public_jwks_carry_what_verifiers_need(stored_key: tuple[str, str]) -> None:
    jwk = msgspec.convert(load_signing_key(*stored_key).public_jwk(), JsonWebKey)
    assert (jwk.kty, jwk.alg, jwk.use, jwk.e) == ("RSA", "RS256", "sig", "AQAB")
    assert jwk.n
    assert jwk.kid == stored_key[0]
    assert b"private" not in msgspec.json.encode(jwk)
    assert "d" not in msgspec.to_builtins(jwk)


def test_opaque_tokens_are_random_and_stored_as_sha256() -> None:
    token, hashed = new_secret()
    other, _ = new_secret()
    assert token != other
    assert len(token) >= 43
    assert hashed == token_hash(token)
    assert len(hashed) == 64
    assert token not in hashed


def test_a_key_grace_period_must_outlive_the_access_tokens() -> None:
    with pytest.raises(ValueError, match="key_grace_seconds"):
        IdentitySettings(access_token_ttl_seconds=900, key_grace_seconds=600)
    with pytest.raises(msgspec.ValidationError, match="key_grace_seconds"):
        msgspec.convert(
            {"access_token_ttl_seconds": 900, "key_grace_seconds": 900}, IdentitySettings
        )
