"""The one way out of the storefront: the gateway's public API, through one shared
`shopkit.http.ServiceClient` (keep-alive, short timeouts, safe retries, a circuit breaker),
exactly as a mobile app would call it.

Answers are read by the SDK's one mapping (`shopkit.http.read_json`); this module only says
them in the shop's words: a refusal (4xx with its problem+json) is `ApiError`, a gateway that
cannot be reached, is too slow or answers 5xx is `ServiceUnavailable` (a friendly page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import structlog
from shopkit.config import HttpSettings
from shopkit.http import ServiceClient, UpstreamRejected, read_json
from shopkit.http import ServiceUnavailable as SdkServiceUnavailable

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

    @classmethod
    def from_rejected(cls, rejected: UpstreamRejected) -> ApiError:
        return cls(rejected.status, rejected.problem)

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
    """Owns the shared client; opened and closed with the app."""

    def __init__(
        self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._write_timeout = settings.write_timeout_seconds
        self._client = ServiceClient(
            settings.url.rstrip("/"),
            settings=HttpSettings(
                timeout_seconds=settings.timeout_seconds,
                connect_timeout_seconds=settings.connect_timeout_seconds,
            ),
            name="gateway",
            transport=transport,
            headers={"accept": "application/json", "user-agent": "shopkit-storefront"},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
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
        """The raw answer; a gateway that cannot be reached or is too slow becomes
        `ServiceUnavailable` (503). Writes may wait longer (the checkout queue);
        `read_timeout`: this call's own, for an answer the API holds on purpose (a wait)."""
        timeout = read_timeout
        if timeout is None and method.upper() not in READS:
            timeout = self._write_timeout
        try:
            return await self._client.request(
                method, path, headers=headers, params=params, json=json, timeout_seconds=timeout
            )
        except SdkServiceUnavailable as exc:
            if isinstance(exc.__cause__, httpx.TimeoutException):
                log.warning("gateway timed out", method=method, path=path)
                raise ServiceUnavailable("The shop took too long to answer.") from None
            log.warning("gateway unreachable", method=method, path=path)
            raise ServiceUnavailable("The shop cannot be reached right now.") from None


def result(response: httpx.Response) -> Any:
    """JSON of a 2xx answer; `ApiError` for a 4xx, `ServiceUnavailable` for a 5xx or an answer
    that cannot be read."""
    try:
        return read_json(response, None, "gateway")
    except UpstreamRejected as exc:
        if exc.status < 400:
            raise ServiceUnavailable("The shop sent an answer it could not read.", 502) from None
        raise ApiError.from_rejected(exc) from None
    except SdkServiceUnavailable:
        raise ServiceUnavailable("A part of the shop is not answering.", 502) from None
