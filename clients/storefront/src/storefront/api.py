"""The public API as one shopper sees it: their request id and IP passed on, their token
attached (and refreshed once on a 401), errors turned into `ApiError` / `ServiceUnavailable`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from litestar import Request
from shopkit.context import request_id_var

from storefront.gateway import Gateway, ServiceUnavailable, result
from storefront.session import ShopSession


class NotLoggedIn(Exception):
    """The page needs a customer and there is none (or their session has ended)."""


class ShopApi:
    def __init__(self, gateway: Gateway, session: ShopSession, headers: Mapping[str, str]) -> None:
        self._gateway = gateway
        self.session = session
        self._headers = dict(headers)
        # Calls made concurrently for one page may all meet an expired token; one refreshes,
        # the others wait and retry with its result (a refresh token works only once).
        self._refresh_lock = asyncio.Lock()

    @classmethod
    def for_request(
        cls, gateway: Gateway, session: ShopSession, request: Request[Any, Any, Any]
    ) -> ShopApi:
        headers: dict[str, str] = {}
        if request_id := request_id_var.get():
            headers["X-Request-ID"] = request_id
        # Behind the gateway the shopper's address is already in X-Forwarded-For; pass it on
        # (the gateway appends ours), else start the chain with the peer we see.
        forwarded = request.headers.get("x-forwarded-for")
        peer = request.client.host if request.client else None
        if forwarded or peer:
            headers["X-Forwarded-For"] = forwarded or str(peer)
        return cls(gateway, session, headers)

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = False
    ) -> Any:
        return await self.call("GET", path, params=params, auth=auth)

    async def post(
        self,
        path: str,
        json: Any = None,
        *,
        auth: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return await self.call("POST", path, json=json, auth=auth, headers=headers)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """JSON of a 2xx answer. `auth`: send the customer's token (NotLoggedIn without one);
        the cart calls send it whenever there is one, as a guest cart needs none."""
        response = await self.respond(
            method, path, params=params, json=json, auth=auth, headers=headers
        )
        return result(response)

    async def respond(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: bool = False,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        """The answer itself (its status and headers too), after renewing an expired token
        as `call` does; `result(answer)` reads it as `call` would."""
        if auth and not self.session.logged_in:
            raise NotLoggedIn
        token_sent = self.session.access_token
        response = await self._send(method, path, params, json, headers, read_timeout)
        if response.status_code == 401 and self.session.logged_in and not _is_auth(path):
            async with self._refresh_lock:
                stale = self.session.access_token == token_sent
                if stale and not await self._refresh():
                    self.session.log_out()
                    raise NotLoggedIn
            if not self.session.logged_in:
                raise NotLoggedIn
            response = await self._send(method, path, params, json, headers, read_timeout)
            if response.status_code == 401:
                self.session.log_out()
                raise NotLoggedIn
        return response

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        extra: Mapping[str, str] | None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        headers = dict(self._headers)
        if token := self.session.access_token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra or {})
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return await self._gateway.send(
            method, path, headers=headers, params=clean, json=json, read_timeout=read_timeout
        )

    async def _refresh(self) -> bool:
        refresh_token = self.session.refresh_token
        if not refresh_token:
            return False
        response = await self._gateway.send(
            "POST",
            "/api/auth/refresh",
            headers=self._headers,
            json={"refresh_token": refresh_token},
        )
        if response.status_code != 200:
            if response.status_code >= 500:
                raise ServiceUnavailable("Signing you in again failed.", 502)
            return False
        tokens = response.json()
        self.session.set_tokens(tokens["access_token"], tokens["refresh_token"])
        return True


def _is_auth(path: str) -> bool:
    """Login, register and refresh answer 401 for their own reasons, never a stale token."""
    return path.startswith("/api/auth/")
