"""The one way out of the storefront: the gateway's public API, through one shared
`httpx.AsyncClient` (keep-alive, short timeouts), exactly as a mobile app would call it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from storefront.config import GatewaySettings

log = structlog.get_logger(__name__)


READS = frozenset({"GET", "HEAD", "OPTIONS"})


class ServiceUnavailable(Exception):
    """The gateway or a service behind it is down, failing or too slow: a friendly 502/503."""

    def __init__(self, reason: str, status_code: int = 503) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


class ApiError(Exception):
    """A 4xx answer from the public API, with its problem+json body."""

    def __init__(self, status_code: int, problem: Mapping[str, Any]) -> None:
        self.status_code = status_code
        self.problem = dict(problem)
        super().__init__(f"{status_code} {self.detail}")

    @property
    def code(self) -> str:
        return str(self.problem.get("code") or "")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or "Request refused")

    def messages(self) -> list[str]:
        """What to show a shopper: one sentence per invalid field, else the detail."""
        params = self.problem.get("invalid_params") or []
        readable = [
            f"{str(p.get('name', '')).replace('_', ' ').capitalize()}: {p.get('reason', '')}"
            for p in params
            if isinstance(p, Mapping)
        ]
        return readable or [self.detail]


class Gateway:
    """Owns the shared HTTP client; opened and closed with the app."""

    def __init__(
        self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._write_timeout = httpx.Timeout(
            settings.write_timeout_seconds, connect=settings.connect_timeout_seconds
        )
        self._client = httpx.AsyncClient(
            base_url=settings.url.rstrip("/"),
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            headers={"accept": "application/json", "user-agent": "shopkit-storefront"},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        """The raw answer; any transport failure becomes `ServiceUnavailable` (503).
        `read_timeout`: this call's own, for an answer the API holds on purpose (a wait)."""
        timeout = self._client.timeout if method in READS else self._write_timeout
        if read_timeout is not None:
            timeout = httpx.Timeout(
                connect=timeout.connect, read=read_timeout, write=timeout.write, pool=timeout.pool
            )
        try:
            return await self._client.request(
                method, path, headers=dict(headers), params=params, json=json, timeout=timeout
            )
        except httpx.TimeoutException:
            log.warning("gateway timed out", method=method, path=path)
            raise ServiceUnavailable("The shop took too long to answer.") from None
        except httpx.HTTPError as exc:
            log.warning("gateway unreachable", method=method, path=path, error=type(exc).__name__)
            raise ServiceUnavailable("The shop cannot be reached right now.") from None
