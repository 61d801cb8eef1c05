"""Per-request dependencies: the admin's `Api`, or a redirect to the login form."""

from __future__ import annotations

from typing import Any

from litestar import Request

from admin.gateway import Api, ApiError, Gateway
from admin.session import LoginRequired, clear_login, login_state, needs_refresh, store_login


def forwarded_for(request: Request[Any, Any, Any]) -> str | None:
    """The browser's address chain: what the gateway sent, else who connected to us."""
    chain = request.headers.get("x-forwarded-for")
    if chain:
        return chain
    return request.client.host if request.client else None


def gateway_of(request: Request[Any, Any, Any]) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def anonymous_api(request: Request[Any, Any, Any]) -> Api:
    return gateway_of(request).bind(forwarded_for=forwarded_for(request))


def next_path(request: Request[Any, Any, Any]) -> str:
    """Where to come back after logging in: this page (a form's target is not a page)."""
    if request.method != "GET":
        return "/admin"
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


async def provide_api(request: Request[Any, Any, Any]) -> Api:
    """The logged-in admin's API client; refreshes the access token shortly before it expires."""
    state = login_state(request)
    if state is None:
        raise LoginRequired(next_path(request))
    api = anonymous_api(request)
    if needs_refresh(state):
        try:
            tokens = await api.post(
                "/api/auth/refresh", {"refresh_token": state.get("refresh_token", "")}
            )
        except ApiError:
            clear_login(request)
            raise LoginRequired(next_path(request)) from None
        store_login(request, tokens)
    api.token = str(state["access_token"])
    return api
