"""The admin's session (an encrypted cookie), its CSRF token and one-shot messages.

The cookie holds the admin's API tokens, so it is AES-GCM encrypted (Litestar's client-side
session), HttpOnly, SameSite=Strict and scoped to `/admin`. Every POST must carry the session's
CSRF token in the `_csrf` field (`csrf_guard`); SameSite alone is not relied on.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware.session.client_side import CookieBackendConfig

from admin.config import AdminSettings

__all__ = [
    "CSRF_FIELD",
    "CsrfFailed",
    "LoginRequired",
    "add_message",
    "clear_login",
    "csrf_guard",
    "csrf_token",
    "pop_messages",
    "safe_next",
    "session_config",
    "store_login",
]

CSRF_FIELD = "_csrf"
COOKIE_NAME = "shopkit_admin"
# Refresh the access token when it has less than this left, so no call races its expiry.
REFRESH_MARGIN_SECONDS = 30


class LoginRequired(Exception):
    """No admin session (or it ended): the page answers with a redirect to the login form."""

    def __init__(self, next_path: str = "/admin") -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfFailed(Exception):
    """A POST without the session's CSRF token: refused, nothing changes."""


def session_config(settings: AdminSettings) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=settings.session_key,
        key=COOKIE_NAME,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=settings.session_secure,
        max_age=settings.session_max_age_seconds,
        # The probes and static files carry no session (the cookie's path is /admin anyway).
        exclude=["^/health/", "^/admin/static/"],
    )


def _session(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    session = connection.scope.get("session")
    if not isinstance(session, dict):
        session = {}
        connection.set_session(session)
    return session


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The session's CSRF token, made on first use (so the login form has one too)."""
    session = _session(connection)
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Every POST carries the session's token in `_csrf`; compared in constant time."""
    if connection.scope.get("method") != "POST":
        return
    assert isinstance(connection, Request)
    expected = _session(connection).get("csrf")
    given = (await connection.form()).get(CSRF_FIELD)
    if (
        not isinstance(expected, str)
        or not isinstance(given, str)
        or not secrets.compare_digest(expected.encode(), given.encode())
    ):
        raise CsrfFailed


def store_login(
    connection: ASGIConnection[Any, Any, Any, Any],
    tokens: dict[str, Any],
    user: dict[str, Any] | None = None,
) -> None:
    """Keep a token pair (after login or refresh); a new CSRF token comes with a new login."""
    session = _session(connection)
    if user is not None:
        session["user"] = {k: user.get(k) for k in ("id", "email", "name")}
        session["csrf"] = secrets.token_urlsafe(32)
    session["access_token"] = tokens["access_token"]
    session["refresh_token"] = tokens["refresh_token"]
    session["expires_at"] = int(time.time()) + int(tokens.get("expires_in", 0))


def clear_login(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Forget the admin (tokens and who) but keep the CSRF token the login form needs."""
    session = _session(connection)
    for key in ("access_token", "refresh_token", "expires_at", "user"):
        session.pop(key, None)


def login_state(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any] | None:
    """The stored tokens, or None when nobody is logged in."""
    session = _session(connection)
    if not isinstance(session.get("access_token"), str):
        return None
    return session


def needs_refresh(session: dict[str, Any], now: float | None = None) -> bool:
    expires_at = session.get("expires_at")
    if not isinstance(expires_at, int):
        return True
    return (now if now is not None else time.time()) >= expires_at - REFRESH_MARGIN_SECONDS


def add_message(
    connection: ASGIConnection[Any, Any, Any, Any], text: str, *, kind: str = "status"
) -> None:
    """A message for the next page: `status` (done) or `alert` (refused, nothing changed)."""
    _session(connection).setdefault("messages", []).append({"kind": kind, "text": text})


def pop_messages(connection: ASGIConnection[Any, Any, Any, Any]) -> list[dict[str, str]]:
    messages = _session(connection).pop("messages", None)
    return messages if isinstance(messages, list) else []


def safe_next(value: str | None, default: str = "/admin") -> str:
    """Only a path inside this app: never another host (`//evil`, `https://...`)."""
    if (
        not value
        or not value.startswith("/admin")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 for c in value)
    ):
        return default
    return value
