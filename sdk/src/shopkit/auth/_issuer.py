"""Signing access tokens: used by the user service, and by tests to mint tokens the SDK accepts.

Only the user service holds a private key in production; every other service verifies with the
public half it publishes (`public_jwk()` is what goes into its JWKS document).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "PrivateKey",
    "SigningAlgorithm",
    "SigningKey",
    "TokenIssuer",
    "generate_signing_key",
]

ACCESS_TOKEN_TYPE = "access"

SigningAlgorithm: TypeAlias = Literal["RS256", "EdDSA"]
PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key with the id and algorithm it is published under.

    `repr` leaves the key out so that it cannot end up in a log line or a test report.
    """

    kid: str
    algorithm: SigningAlgorithm
    private_key: PrivateKey

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, algorithm={self.algorithm!r})"

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK, with `kid`, `alg` and `use` so verifiers never guess."""
        public = self.private_key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def private_pem(self) -> bytes:
        """PKCS#8 PEM, unencrypted: for handing the key to a secret store, not for logs."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def generate_signing_key(
    kid: str | None = None, algorithm: SigningAlgorithm = "RS256"
) -> SigningKey:
    """A fresh key pair (RSA 2048 for RS256, Ed25519 for EdDSA) with a random kid by default."""
    private_key: PrivateKey
    if algorithm == "RS256":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unsupported signing algorithm: {algorithm!r} (use RS256 or EdDSA)")
    return SigningKey(kid=kid or uuid.uuid4().hex, algorithm=algorithm, private_key=private_key)


def _load_key(key: PrivateKey | str | bytes) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        return key
    pem = key.encode() if isinstance(key, str) else key
    loaded = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise TypeError(f"unsupported private key type: {type(loaded).__name__}")
    return loaded


def _algorithm_for(key: PrivateKey) -> SigningAlgorithm:
    return "RS256" if isinstance(key, rsa.RSAPrivateKey) else "EdDSA"


class TokenIssuer:
    """Signs access tokens with one key; the claims are the ones `TokenVerifier` requires.

    `key` is a `SigningKey`, a cryptography private key or a PEM; `kid` is required unless the
    `SigningKey` carries it. The algorithm follows the key type (RS256 for RSA, EdDSA for Ed25519).
    """

    def __init__(
        self,
        key: SigningKey | PrivateKey | str | bytes,
        kid: str | None = None,
        *,
        issuer: str = "shopkit",
        audience: str = "shopkit",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(key, SigningKey):
            self.signing_key = (
                key if kid is None else SigningKey(kid, key.algorithm, key.private_key)
            )
        else:
            if not kid:
                raise ValueError("a kid is required: verifiers pick the key by it")
            private_key = _load_key(key)
            self.signing_key = SigningKey(kid, _algorithm_for(private_key), private_key)
        self.issuer = issuer
        self.audience = audience
        self._clock = clock

    @property
    def kid(self) -> str:
        return self.signing_key.kid

    def public_jwk(self) -> dict[str, Any]:
        return self.signing_key.public_jwk()

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """A JWKS document with only this key (while rotating, the old key is published too)."""
        return {"keys": [self.public_jwk()]}

    def issue_access_token(
        self,
        subject: str,
        roles: Iterable[str],
        email: str | None = None,
        ttl_seconds: int = 900,
        extra: Mapping[str, Any] | None = None,
        scopes: Iterable[str] = (),
    ) -> str:
        """A signed access token for `subject`, valid for `ttl_seconds`, with the OAuth2 `scope`
        claim (space-separated) when `scopes` are given (service tokens).

        `extra` is merged last, so it can add claims and, in tests, forge edge cases
        (`typ="refresh"`, a past `exp`); production callers should not override registered claims.
        """
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "roles": sorted(set(roles)),
            "jti": uuid.uuid4().hex,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "typ": ACCESS_TOKEN_TYPE,
        }
        if email is not None:
            claims["email"] = email
        granted = sorted(set(scopes))
        if granted:
            claims["scope"] = " ".join(granted)
        if extra:
            claims.update(extra)
        return self.sign(claims)

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Sign `claims` exactly as given, with this key's kid in the header."""
        return jwt.encode(
            dict(claims),
            self.signing_key.private_key,
            algorithm=self.signing_key.algorithm,
            headers={"kid": self.signing_key.kid},
        )
