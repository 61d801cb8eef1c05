"""The user service's public keys, fetched over HTTP and cached.

Every request that carries a token needs a key, so keys are cached for `cache_seconds`; a token
signed with a key we have not seen (the user service rotated its key) triggers one refetch, but
never more than once per `min_refresh_interval` so that tokens with made-up key ids cannot turn
every request into a call to the user service. Concurrent fetches share one request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Final

import httpx
import structlog
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from shopkit.errors import DomainError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "JWKSClient",
    "KeySetUnavailableError",
    "UnknownKeyError",
]

_logger = structlog.get_logger("shopkit.auth")

# Only public-key algorithms: a verifier never holds a secret that could sign a token, and a
# public key can never be mistaken for an HMAC secret (the classic RS256 -> HS256 confusion).
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class UnknownKeyError(LookupError):
    """No key with this id is published, even after the allowed refetch."""


class KeySetUnavailableError(DomainError):
    """The key set could not be fetched and none is cached: we cannot tell good tokens from bad.

    This is our outage, not the caller's fault, so it is a 503 rather than a 401 that would make
    clients throw away valid tokens.
    """

    status_code = 503
    title = "Authentication unavailable"


class JWKSClient:
    """Fetches a JWKS document and hands out verification keys by key id.

    `http_client` is borrowed (never closed here); without one the client makes and owns its own.
    `clock` is injectable so that cache expiry can be tested without sleeping.
    """

    def __init__(
        self,
        url: str,
        cache_seconds: float = 300.0,
        http_client: httpx.AsyncClient | None = None,
        *,
        min_refresh_interval: float = 10.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.min_refresh_interval = min_refresh_interval
        self._timeout = timeout_seconds
        self._clock = clock
        self._http = http_client
        self._owns_http = http_client is None
        self._lock = asyncio.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._loaded = False
        self._expires_at = float("-inf")
        self._next_unknown_kid_refresh = 0.0
        self._attempts = 0
        self._fetches = 0

    @property
    def fetch_count(self) -> int:
        """How many HTTP requests this client made: what caching and rate limits are judged by."""
        return self._fetches

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    async def get_signing_key(self, kid: str) -> PyJWK:
        """The key for `kid`, refetching when the cache expired or (rate-limited) when unknown."""
        attempt = self._attempts
        if self._clock() >= self._expires_at:
            await self._refresh(attempt)
            attempt = self._attempts
        key = self._keys.get(kid)
        if key is None and self._clock() >= self._next_unknown_kid_refresh:
            await self._refresh(attempt)
            key = self._keys.get(kid)
        if key is None:
            if not self._loaded:
                raise KeySetUnavailableError("The token signing keys cannot be fetched right now.")
            raise UnknownKeyError(kid)
        return key

    async def refresh(self) -> None:
        """Fetch now, whatever the cache says (to warm the cache at start-up); never raises."""
        await self._refresh(self._attempts)

    async def _refresh(self, seen_attempt: int) -> None:
        async with self._lock:
            if self._attempts != seen_attempt:
                # Another request fetched (or tried to) while we waited: use its result.
                return
            now = self._clock()
            self._next_unknown_kid_refresh = now + self.min_refresh_interval
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as exc:
                # Keep serving the keys we have: an outage of the user service must not log
                # everybody out. Retry after the short interval rather than on every request.
                self._expires_at = now + min(self.min_refresh_interval, self.cache_seconds)
                _logger.warning(
                    "jwks_fetch_failed",
                    url=self.url,
                    error=type(exc).__name__,
                    cached_keys=len(self._keys),
                )
                return
            self._keys = keys
            self._loaded = True
            self._expires_at = now + self.cache_seconds

    async def _fetch(self) -> dict[str, PyJWK]:
        # Counted when it ends, success or not, so that callers who queued behind it see a
        # new attempt and use its outcome instead of fetching again.
        try:
            return await self._fetch_once()
        finally:
            self._attempts += 1

    async def _fetch_once(self) -> dict[str, PyJWK]:
        self._fetches += 1
        response = await self._client().get(self.url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise ValueError("JWKS document has no 'keys' list")
        return _parse_keys(document["keys"])

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout)
        return self._http

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> JWKSClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _parse_keys(raw_keys: list[Any]) -> dict[str, PyJWK]:
    """Usable signing keys by kid; one bad or foreign key must not take the others down."""
    keys: dict[str, PyJWK] = {}
    for raw in raw_keys:
        if not isinstance(raw, dict) or raw.get("use", "sig") != "sig":
            continue
        kid = raw.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        try:
            jwk = PyJWK(raw)
        except PyJWTError as exc:
            _logger.warning("jwks_key_skipped", kid=kid, error=str(exc))
            continue
        if jwk.algorithm_name not in ASYMMETRIC_ALGORITHMS:
            _logger.warning("jwks_key_skipped", kid=kid, error="not an asymmetric signing key")
            continue
        keys[kid] = jwk
    return keys
