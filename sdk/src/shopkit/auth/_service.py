"""Tokens a service shows when it calls another (role `service`, subject `service:<name>`).

Minting or fetching a token per outgoing call would be wasteful, so one token is reused until
shortly before it expires; concurrent callers share one refresh. In production the token comes
from user-service by the OAuth2 client-credentials grant (`client_credentials_provider`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import jwt
import msgspec
import structlog

from shopkit.auth._issuer import TokenIssuer
from shopkit.auth._principal import ROLE_SERVICE
from shopkit.config import HttpSettings, ServiceClientSettings
from shopkit.http import ServiceUnavailable

__all__ = [
    "ServiceTokenProvider",
    "ServiceTokenUnavailableError",
    "client_credentials_provider",
    "dev_client_secret",
]

DEVELOPMENT = "development"
_logger = structlog.get_logger("shopkit.auth.service")


def dev_client_secret(slug: str) -> str:
    """The client secret a service uses in local development when none is configured; user-service
    accepts these only when it runs in development too."""
    return f"dev-{slug}-secret"


class ServiceTokenUnavailableError(ServiceUnavailable):
    """user-service refused or could not be asked for a service token (503 to our caller: the
    request that needed it can be retried)."""

    def __init__(self, reason: str) -> None:
        super().__init__("user-service", retry_after_seconds=1)
        self.reason = reason


class _TokenAnswer(msgspec.Struct):
    access_token: str
    token_type: str


class ServiceTokenProvider:
    """Hands out a cached service token, from a local `TokenIssuer` or from `fetch`.

    `fetch` (e.g. a call to the user service) returns a signed token; its `exp` claim decides
    how long it is reused. Give exactly one of `issuer` and `fetch`.
    """

    def __init__(
        self,
        name: str,
        *,
        issuer: TokenIssuer | None = None,
        fetch: Callable[[], Awaitable[str]] | None = None,
        ttl_seconds: int = 300,
        refresh_margin_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if (issuer is None) == (fetch is None):
            raise ValueError("give exactly one of issuer and fetch")
        if refresh_margin_seconds >= ttl_seconds:
            raise ValueError("refresh_margin_seconds must be shorter than ttl_seconds")
        self.name = name
        self.subject = f"service:{name}"
        self._issuer = issuer
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._margin = refresh_margin_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = float("-inf")

    async def token(self) -> str:
        """A token valid for at least `refresh_margin_seconds` more."""
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        async with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, expires_at = await self._new_token()
                self._refresh_at = expires_at - self._margin
            return self._token

    async def headers(self) -> dict[str, str]:
        """`Authorization` header for an outgoing request."""
        return {"Authorization": f"Bearer {await self.token()}"}

    async def _new_token(self) -> tuple[str, float]:
        if self._issuer is not None:
            now = self._clock()
            token = self._issuer.issue_access_token(
                self.subject, [ROLE_SERVICE], ttl_seconds=self._ttl
            )
            return token, now + self._ttl
        assert self._fetch is not None
        token = await self._fetch()
        # Only to schedule the refresh: the receiving service verifies the signature.
        claims = jwt.decode(token, options={"verify_signature": False})
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise ValueError("the fetched service token has no exp claim")
        return token, float(exp)


def client_credentials_provider(
    settings: ServiceClientSettings,
    slug: str,
    scopes: list[str] | tuple[str, ...],
    http: HttpSettings | None = None,
    *,
    environment: str = DEVELOPMENT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceTokenProvider:
    """A `ServiceTokenProvider` that asks user-service for tokens with `scopes`, by the OAuth2
    client-credentials grant (RFC 6749 4.4), as client `settings.id` (default: `slug`).

    Outside development a secret must be configured: the development default is refused.
    """
    client_id = settings.id or slug
    secret = settings.secret
    if not secret:
        if environment != DEVELOPMENT:
            raise ValueError(f"SERVICE_CLIENT_SECRET is required outside development ({slug})")
        secret = dev_client_secret(client_id)
    timeout = (http or HttpSettings()).timeout_seconds
    # Client authentication in the form body (RFC 6749 2.3.1), which every OAuth2 server takes.
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        "scope": " ".join(scopes),
    }

    async def fetch() -> str:
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
            try:
                response = await client.post(settings.token_url, data=form)
            except httpx.HTTPError as exc:
                _logger.warning("service token request failed", client_id=client_id, error=str(exc))
                raise ServiceTokenUnavailableError(str(exc)) from None
        if response.status_code != 200:
            _logger.error(
                "user-service refused a service token",
                client_id=client_id,
                status=response.status_code,
                body=response.text[:300],
            )
            raise ServiceTokenUnavailableError(f"refused ({response.status_code})")
        answer = msgspec.json.decode(response.content, type=_TokenAnswer)
        return answer.access_token

    return ServiceTokenProvider(client_id, fetch=fetch)
