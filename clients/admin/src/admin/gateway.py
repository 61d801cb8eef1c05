"""The one way this app reaches the services: the gateway's public API, server side.

One shared `shopkit.http.ServiceClient` (a single `httpx.AsyncClient` with timeouts, retries on
idempotent calls and a circuit breaker) lives for the app's lifetime. Each request gets an
`Api` bound to it that adds the admin's bearer token, the caller's `X-Forwarded-For` and the
request id (the SDK passes `X-Request-ID` on from the request context).

Answers are read by the SDK's one mapping (`ServiceClient.call`): a refusal (4xx with its
problem+json) becomes `ApiError` (shown to the admin as a readable message); an unreachable
gateway or a 5xx becomes `GatewayUnavailable` (a friendly page, never a traceback).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopkit.config import HttpSettings
from shopkit.http import ServiceClient, ServiceUnavailable, UpstreamRejected

__all__ = ["Api", "ApiError", "Gateway", "GatewayUnavailable"]


class GatewayUnavailable(Exception):
    """The gateway, or the service behind it, could not answer (connect error, timeout, 5xx)."""

    def __init__(self, path: str, status: int | None = None) -> None:
        super().__init__(f"{path}: {'unreachable' if status is None else status}")
        self.path = path
        self.status = status


class ApiError(Exception):
    """A 4xx answer from the API; `message` is what the admin reads."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        invalid_params: list[dict[str, str]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.invalid_params = invalid_params or []
        self.code = code

    @property
    def message(self) -> str:
        """One readable sentence: the detail (or title), then each field's reason."""
        text = (self.detail or self.title or f"The request failed ({self.status}).").strip()
        reasons = [
            f"{param.get('name', '')}: {param.get('reason', '')}".strip(": ")
            for param in self.invalid_params
            if param.get("reason") and param.get("reason", "") not in text
        ]
        return " ".join([text, *reasons]) if reasons else text

    @classmethod
    def from_rejected(cls, rejected: UpstreamRejected) -> ApiError:
        """The API's refusal as the SDK read it (its status and problem+json)."""
        return cls(
            rejected.status,
            rejected.upstream_title or "Request failed",
            rejected.upstream_detail,
            rejected.upstream_invalid_params,
            rejected.upstream_code,
        )


class Gateway:
    """The app-wide client; `bind()` gives a per-request `Api`."""

    def __init__(self, base_url: str, settings: HttpSettings) -> None:
        self.base_url = base_url
        self._client = ServiceClient(base_url, settings=settings, name="gateway")

    async def aclose(self) -> None:
        await self._client.aclose()

    def bind(self, *, token: str | None = None, forwarded_for: str | None = None) -> Api:
        return Api(self, token=token, forwarded_for=forwarded_for)

    async def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            return await self._client.call(
                method, path, params=clean or None, headers=headers, json=json
            )
        except ServiceUnavailable as exc:
            raise GatewayUnavailable(path, exc.status) from exc
        except UpstreamRejected as exc:
            raise ApiError.from_rejected(exc) from None


class Api:
    """The public API as one admin sees it during one request."""

    def __init__(
        self, gateway: Gateway, *, token: str | None = None, forwarded_for: str | None = None
    ) -> None:
        self._gateway = gateway
        self.token = token
        self._forwarded_for = forwarded_for

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self._forwarded_for:
            headers["X-Forwarded-For"] = self._forwarded_for
        return headers

    async def get(self, path: str, **params: Any) -> Any:
        return await self._gateway.send("GET", path, headers=self._headers(), params=params)

    async def post(self, path: str, json: Any = None) -> Any:
        return await self._gateway.send("POST", path, headers=self._headers(), json=json)

    async def put(self, path: str, json: Any) -> Any:
        return await self._gateway.send("PUT", path, headers=self._headers(), json=json)

    async def patch(self, path: str, json: Any) -> Any:
        return await self._gateway.send("PATCH", path, headers=self._headers(), json=json)

    async def delete(self, path: str) -> Any:
        return await self._gateway.send("DELETE", path, headers=self._headers())
