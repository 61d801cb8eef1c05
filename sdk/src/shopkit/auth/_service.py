"""Tokens a service shows when it calls another (role `service`, subject `service:<name>`).

Minting or fetching a token per outgoing call would be wasteful, so one token is reused until
shortly before it expires; concurrent callers share one refresh.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import jwt

from shopkit.auth._issuer import TokenIssuer
from shopkit.auth._principal import ROLE_SERVICE

__all__ = ["ServiceTokenProvider"]


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
