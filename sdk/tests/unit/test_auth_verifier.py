"""TokenVerifier against a local issuer: every token a service must refuse, and what it accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopkit.auth import (
    JWKSClient,
    SigningKey,
    TokenIssuer,
    TokenVerifier,
    generate_signing_key,
)
from shopkit.errors import UnauthorizedError

pytestmark = pytest.mark.unit

JWKS_URL = "https://users.test/.well-known/jwks.json"


def verifier_for(*keys: SigningKey, leeway: float = 0) -> TokenVerifier:
    """A verifier whose JWKS comes from an in-memory transport publishing `keys`."""
    document = {"keys": [key.public_jwk() for key in keys]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=document))
    jwks = JWKSClient(JWKS_URL, 300, httpx.AsyncClient(transport=transport))
    return TokenVerifier(jwks, issuer="shopkit", audience="shopkit", leeway=leeway)


@pytest.fixture
def issuer(signing_key: SigningKey) -> TokenIssuer:
    return TokenIssuer(signing_key)


@pytest.fixture
def verifier(signing_key: SigningKey) -> TokenVerifier:
    return verifier_for(signing_key)


async def refused(verifier: TokenVerifier, token: str) -> UnauthorizedError:
    with pytest.raises(UnauthorizedError) as caught:
        await verifier.verify(token)
    assert caught.value.status_code == 401
    assert caught.value.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    return caught.value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: dict[str, Any]) -> str:
    return b64(json.dumps(value).encode())


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unb64json(segment: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


async def test_valid_token_gives_principal_with_roles_and_email(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue_access_token("user-42", ["customer", "admin"], email="ada@example.com")

    principal = await verifier.verify(token)

    assert principal.subject == "user-42"
    assert principal.roles == frozenset({"customer", "admin"})
    assert principal.email == "ada@example.com"
    assert principal.token_id
    assert principal.has_role("admin")
    assert not principal.has_role("service")


async def test_eddsa_keys_are_accepted() -> None:
    key = generate_signing_key(kid="ed-1", algorithm="EdDSA")
    token = TokenIssuer(key).issue_access_token("user-1", ["customer"])

    principal = await verifier_for(key).verify(token)

    assert principal.subject == "user-1"
    assert principal.email is None


async def test_issuer_accepts_a_pem_key_and_kid(signing_key: SigningKey) -> None:
    pem = signing_key.private_pem().decode()
    token = TokenIssuer(pem, signing_key.kid).issue_access_token("user-1", ["customer"])

    assert (await verifier_for(signing_key).verify(token)).subject == "user-1"


async def test_expired_token_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    past = int(time.time()) - 3600
    token = issuer.issue_access_token(
        "user-1", ["customer"], extra={"iat": past, "nbf": past, "exp": past + 900}
    )

    assert "expired" in str((await refused(verifier, token)).detail)


async def test_leeway_tolerates_small_clock_skew(
    issuer: TokenIssuer,
    signing_key: SigningKey,
) -> None:
    token = issuer.issue_access_token("user-1", ["customer"], extra={"exp": int(time.time()) - 2})

    assert (await verifier_for(signing_key, leeway=30).verify(token)).subject == "user-1"
    await refused(verifier_for(signing_key, leeway=0), token)


async def test_token_not_valid_yet_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    future = int(time.time()) + 600
    token = issuer.issue_access_token("user-1", ["customer"], extra={"nbf": future, "iat": future})

    assert "not valid yet" in str((await refused(verifier, token)).detail)


async def test_tampered_payload_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, payload, signature = issuer.issue_access_token("user-1", ["customer"]).split(".")
    claims = unb64json(payload)
    claims["roles"] = ["customer", "admin"]
    forged = f"{header}.{b64json(claims)}.{signature}"

    assert "signature" in str((await refused(verifier, forged)).detail)


async def test_tampered_signature_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, payload, signature = issuer.issue_access_token("user-1", ["customer"]).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01

    await refused(verifier, f"{header}.{payload}.{b64(bytes(raw))}")


async def test_token_signed_by_another_key_with_same_kid_is_refused(
    signing_key: SigningKey,
) -> None:
    impostor = generate_signing_key(kid=signing_key.kid)
    token = TokenIssuer(impostor).issue_access_token("user-1", ["admin"])

    await refused(verifier_for(signing_key), token)


async def test_wrong_audience_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue_access_token("user-1", ["customer"], extra={"aud": "other-platform"})

    assert "audience" in str((await refused(verifier, token)).detail)


async def test_wrong_issuer_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue_access_token("user-1", ["customer"], extra={"iss": "evil"})

    assert "issuer" in str((await refused(verifier, token)).detail)


async def test_unknown_kid_is_refused(signing_key: SigningKey) -> None:
    stranger = generate_signing_key(kid="never-published", algorithm="EdDSA")
    token = TokenIssuer(stranger).issue_access_token("user-1", ["customer"])

    assert "unknown key" in str((await refused(verifier_for(signing_key), token)).detail)


async def test_missing_kid_is_refused(signing_key: SigningKey, verifier: TokenVerifier) -> None:
    token = jwt.encode(
        {"sub": "user-1", "typ": "access"}, signing_key.private_key, algorithm="RS256"
    )

    assert "kid" in str((await refused(verifier, token)).detail)


async def test_alg_none_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    _, payload, _ = issuer.issue_access_token("user-1", ["admin"]).split(".")
    header = b64json({"alg": "none", "typ": "JWT", "kid": issuer.kid})

    error = await refused(verifier, f"{header}.{payload}.")

    assert "not accepted" in str(error.detail)
    assert verifier.jwks.fetch_count == 0


async def test_hs256_signed_with_the_public_key_is_refused(
    issuer: TokenIssuer,
    verifier: TokenVerifier,
    signing_key: SigningKey,
) -> None:
    public_pem = signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _, payload, _ = issuer.issue_access_token("user-1", ["admin"]).split(".")
    header = b64json({"alg": "HS256", "typ": "JWT", "kid": issuer.kid})
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()

    error = await refused(verifier, f"{header}.{payload}.{b64(mac)}")
    assert "not accepted" in str(error.detail)


async def test_header_alg_must_match_the_published_key(verifier: TokenVerifier) -> None:
    ed_key = generate_signing_key(kid="test-key-1", algorithm="EdDSA")
    token = TokenIssuer(ed_key).issue_access_token("user-1", ["admin"])  # RSA kid, EdDSA alg

    await refused(verifier, token)


async def test_algorithm_comes_from_the_published_key_not_the_token(
    signing_key: SigningKey,
    issuer: TokenIssuer,
    verifier: TokenVerifier,
) -> None:
    # Same RSA key, but PS256 instead of the RS256 its JWK pins: the key id must not be
    # usable with an algorithm the user service never published for it.
    claims = jwt.decode(
        issuer.issue_access_token("user-1", ["admin"]), options={"verify_signature": False}
    )
    token = jwt.encode(
        claims, signing_key.private_key, algorithm="PS256", headers={"kid": signing_key.kid}
    )

    assert "does not match" in str((await refused(verifier, token)).detail)


async def test_refresh_token_cannot_be_used_as_access_token(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue_access_token("user-1", ["customer"], extra={"typ": "refresh"})

    assert "not an access token" in str((await refused(verifier, token)).detail)


async def test_token_without_typ_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    claims = jwt.decode(
        issuer.issue_access_token("user-1", ["customer"]), options={"verify_signature": False}
    )
    del claims["typ"]

    await refused(verifier, issuer.sign(claims))


async def test_missing_sub_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    claims = jwt.decode(
        issuer.issue_access_token("user-1", ["customer"]), options={"verify_signature": False}
    )
    del claims["sub"]

    assert "'sub'" in str((await refused(verifier, issuer.sign(claims))).detail)


async def test_roles_must_be_a_list_of_strings(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue_access_token("user-1", [], extra={"roles": "admin"})

    await refused(verifier, token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z", "....."])
async def test_malformed_tokens_are_refused(verifier: TokenVerifier, garbage: str) -> None:
    await refused(verifier, garbage)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_any_single_character_change_is_refused(
    issuer: TokenIssuer, verifier: TokenVerifier, data: st.DataObject
) -> None:
    token = issuer.issue_access_token("user-1", ["customer"])
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[position]))
    forged = token[:position] + replacement + token[position + 1 :]

    try:
        await verifier.verify(forged)
    except UnauthorizedError:
        return
    # A segment's last base64url character carries unused bits: a change there can decode to
    # the very same bytes, and then (only then) the token is still the original one.
    assert [unb64(part) for part in forged.split(".")] == [unb64(part) for part in token.split(".")]
