"""What callers send and get for authentication (snake_case JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from user_service.domain.accounts.schemas import Email, Password

OpaqueToken = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class TokenPair(msgspec.Struct):
    """An access JWT (short-lived) and an opaque refresh token (single use, rotating)."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: OpaqueToken


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class PasswordResetAccepted(msgspec.Struct):
    """The same answer whether or not the account exists."""

    detail: str = "If an account exists for this email, a reset link is on its way."


class PasswordResetConfirm(msgspec.Struct, forbid_unknown_fields=True):
    token: OpaqueToken
    new_password: Password


class JsonWebKey(msgspec.Struct, omit_defaults=True):
    """A public key as a JWK (RFC 7517): RSA keys carry `n`/`e`, Ed25519 keys `crv`/`x`."""

    kty: str
    kid: str
    alg: str
    use: str
    key_ops: list[str] | None = None
    n: str | None = None
    e: str | None = None
    crv: str | None = None
    x: str | None = None


class JsonWebKeySet(msgspec.Struct):
    keys: list[JsonWebKey]


class SigningKeyInfo(msgspec.Struct):
    """The key that signs from now on (its private half never leaves the service)."""

    kid: str
    algorithm: str
    created_at: datetime


class TokenRequest(msgspec.Struct):
    """`POST /api/auth/token`, form-encoded (RFC 6749 4.4.2); the client authenticates with
    `client_id` and `client_secret` here or with HTTP Basic, not both. Other parameters are
    ignored, as RFC 6749 3.2 asks of the server."""

    grant_type: Annotated[str, msgspec.Meta(max_length=64, examples=["client_credentials"])]
    client_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    client_secret: Annotated[str, msgspec.Meta(max_length=512)] | None = None
    scope: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=1024,
                description="space-separated; none asks for every scope the client may hold",
            ),
        ]
        | None
    ) = None


class ServiceToken(msgspec.Struct):
    """A short-lived access JWT for a service: `sub` `service:<client id>`, role `service`,
    claim `scope` (space-separated)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: Literal["Bearer"] = "Bearer"
