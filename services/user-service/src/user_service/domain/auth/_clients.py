"""Service clients for the OAuth2 client-credentials grant (RFC 6749 4.4).

Clients and the SHA-256 digests of their secrets come from settings only. Secrets are random
strings a machine holds, not passwords people choose, so a fast hash is enough; each accepted
digest is compared in constant time, and an unknown client costs the same comparisons as a
known one, so timing reveals neither.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import unquote_plus

from shopkit.errors import DomainError, InvalidParam, UnauthorizedError

from user_service.config import ServiceClient, secret_hash

GRANT_TYPE = "client_credentials"
_NOBODY = ServiceClient(secrets=["0" * 64], scopes=[])


class InvalidClientError(UnauthorizedError):
    """Unknown client, wrong secret or no client authentication at all (RFC 6749 5.2)."""

    code = "invalid-client"

    def __init__(self) -> None:
        super().__init__(
            "The client is unknown or its secret is wrong.",
            headers={"WWW-Authenticate": 'Basic realm="shopkit"'},
        )


class TokenRequestError(DomainError):
    """A malformed token request (400, as RFC 6749 5.2 asks), naming the parameter."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            f"{field}: {reason}", invalid_params=[InvalidParam(name=field, reason=reason)]
        )


class UnsupportedGrantTypeError(TokenRequestError):
    code = "unsupported-grant-type"


class InvalidScopeError(TokenRequestError):
    code = "invalid-scope"


class InvalidTokenRequestError(TokenRequestError):
    code = "invalid-request"


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """`Authorization: Basic` client credentials (RFC 6749 2.3.1: each part form-encoded), or
    None when the header is absent or another scheme; malformed Basic is an invalid client."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClientError() from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClientError()
    return unquote_plus(client_id), unquote_plus(secret)


class ServiceClients:
    def __init__(self, clients: dict[str, ServiceClient]) -> None:
        self._clients = clients

    def authenticate(self, client_id: str, secret: str) -> ServiceClient:
        client = self._clients.get(client_id)
        presented = secret_hash(secret)
        matched = False
        for accepted in (client or _NOBODY).secrets:
            matched |= hmac.compare_digest(presented, accepted)
        if client is None or not matched:
            raise InvalidClientError()
        return client


def granted_scopes(client: ServiceClient, requested: str | None) -> list[str]:
    """The requested scopes when the client may hold them all; none asked gives all allowed."""
    asked = set((requested or "").split())
    if not asked:
        return sorted(client.scopes)
    unknown = asked.difference(client.scopes)
    if unknown:
        raise InvalidScopeError(
            "scope", f"not allowed for this client: {' '.join(sorted(unknown))}"
        )
    return sorted(asked)
