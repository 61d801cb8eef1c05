"""Turning a bearer token into a `Principal`, or refusing it with a 401 that says why.

The algorithm is taken from the published key, never from the token header, and only
public-key algorithms are accepted: a forged `alg: none` or an HS256 token "signed" with the
public key as an HMAC secret can therefore never verify.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

import jwt
from jwt import exceptions as jwt_errors

from shopkit.auth._issuer import ACCESS_TOKEN_TYPE
from shopkit.auth._jwks import ASYMMETRIC_ALGORITHMS, UnknownKeyError
from shopkit.auth._principal import Principal
from shopkit.errors import UnauthorizedError

__all__ = ["KeySource", "TokenVerifier", "invalid_token"]

_REQUIRED_CLAIMS: Final = ["sub", "iss", "aud", "exp", "iat", "jti"]


def invalid_token(detail: str) -> UnauthorizedError:
    """A 401 carrying the RFC 6750 challenge, so clients know to get a new token."""
    return UnauthorizedError(
        detail,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{detail}"'},
    )


class KeySource(Protocol):
    """Where verification keys come from: `JWKSClient` over HTTP, or the issuer's own store."""

    async def get_signing_key(self, kid: str) -> jwt.PyJWK:
        """The public key `kid`; raises `UnknownKeyError` when there is no such key."""
        ...

    async def aclose(self) -> None:
        """Release what the source holds open."""
        ...


class TokenVerifier:
    """Verifies access tokens issued by the user service (signature, lifetime, iss, aud, typ)."""

    def __init__(
        self,
        jwks: KeySource,
        issuer: str = "shopkit",
        audience: str = "shopkit",
        leeway: float = 5.0,
    ) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    async def verify(self, token: str) -> Principal:
        """The principal the token names; `UnauthorizedError` for any token we would not trust."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.DecodeError:
            raise invalid_token("The token is malformed.") from None
        algorithm = header.get("alg")
        if algorithm not in ASYMMETRIC_ALGORITHMS:
            # Refused before any key lookup, so junk tokens cost no JWKS fetch.
            shown = algorithm if isinstance(algorithm, str) and algorithm.isalnum() else "?"
            raise invalid_token(f"The token algorithm {shown[:16]} is not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise invalid_token("The token does not name its signing key (kid).")
        try:
            key = await self.jwks.get_signing_key(kid)
        except UnknownKeyError:
            raise invalid_token("The token was signed with an unknown key.") from None
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": _REQUIRED_CLAIMS, "strict_aud": False},
            )
        except jwt_errors.PyJWTError as exc:
            raise invalid_token(_describe(exc)) from None
        return _principal(claims)


def _describe(exc: jwt_errors.PyJWTError) -> str:
    match exc:
        case jwt_errors.ExpiredSignatureError():
            return "The token has expired."
        case jwt_errors.ImmatureSignatureError():
            return "The token is not valid yet."
        case jwt_errors.InvalidAudienceError():
            return "The token was issued for another audience."
        case jwt_errors.InvalidIssuerError():
            return "The token was issued by an unknown issuer."
        case jwt_errors.InvalidSignatureError():
            return "The token signature does not verify."
        case jwt_errors.InvalidAlgorithmError():
            return "The token algorithm does not match its signing key."
        case jwt_errors.MissingRequiredClaimError():
            return f"The token has no {exc.claim!r} claim."
        case jwt_errors.DecodeError():
            return "The token is malformed."
        case _:
            return "The token is invalid."


def _principal(claims: dict[str, Any]) -> Principal:
    if claims.get("typ") != ACCESS_TOKEN_TYPE:
        raise invalid_token("The token is not an access token.")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise invalid_token("The token has an empty subject.")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise invalid_token("The token roles must be a list of strings.")
    email = claims.get("email")
    if email is not None and not isinstance(email, str):
        raise invalid_token("The token email must be a string.")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise invalid_token("The token scope must be a space-separated string.")
    token_id = claims.get("jti")
    exp = claims.get("exp")
    return Principal(
        scopes=frozenset(scope.split()),
        subject=subject,
        roles=frozenset(roles),
        email=email,
        token_id=token_id if isinstance(token_id, str) else None,
        expires_at=int(exp) if isinstance(exp, int | float) else None,
    )
