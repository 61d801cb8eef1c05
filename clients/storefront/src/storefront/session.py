"""The shopper's session: an encrypted, HttpOnly, SameSite=Lax cookie holding their tokens, cart
id, item count, currency and CSRF token. Nothing is stored server-side, so any replica serves
any shopper.

Every POST must carry the session's CSRF token in the `_csrf` field (`csrf_guard`), login and
register included; SameSite alone is not relied on. The cookie is `Secure` whenever the shopper
reached us over HTTPS (the gateway's `X-Forwarded-Proto`) or the settings say the shop is.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware.session.client_side import (
    ClientSideSessionBackend,
    CookieBackendConfig,
)
from litestar.types import Message, ScopeSession

from storefront.config import StorefrontSettings
from storefront.money import normalise_currency

_LOADED = "storefront.session_loaded"
CSRF_FIELD = "_csrf"
_CSRF_KEY = "csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Exception):
    """A POST without the session's CSRF token: refused, nothing changes."""


def over_tls(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the shopper's browser reached the shop over HTTPS.

    Behind the gateway the answer is its `X-Forwarded-Proto`, trusted as its `X-Forwarded-For`
    is (the storefront is reachable only through it). A forged `https` could only make the
    forger's own cookie Secure, so trusting it cannot weaken anyone's session.
    """
    if connection.scope.get("scheme") == "https":
        return True
    forwarded = connection.headers.get("x-forwarded-proto", "")
    return forwarded.split(",")[0].strip().lower() == "https"


class _ChangedOnlyBackend(ClientSideSessionBackend):
    """Sends `Set-Cookie` only when the session changed, so a page polled every second (the
    order status) never overwrites what another tab just wrote with the same old values; the
    cookie is marked Secure for a shopper who came over HTTPS."""

    def __init__(self, config: CookieBackendConfig) -> None:
        super().__init__(config)
        self._over_tls = (
            self
            if config.secure
            else ClientSideSessionBackend(dataclasses.replace(config, secure=True))
        )

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED] = copy.deepcopy(data)  # type: ignore[literal-required]
        return data

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        loaded = connection.scope.get(_LOADED)
        if scope_session and loaded is not None and scope_session == loaded:
            return
        if self._over_tls is not self and over_tls(connection):
            await self._over_tls.store_in_message(scope_session, message, connection)
            return
        await super().store_in_message(scope_session, message, connection)


class _SessionConfig(CookieBackendConfig):
    _backend_class = _ChangedOnlyBackend


def session_config(settings: StorefrontSettings) -> CookieBackendConfig:
    return _SessionConfig(
        secret=settings.session_key,
        key=settings.session_cookie,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        exclude=["/static", "/health"],
    )


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Every state-changing request carries the session's token in `_csrf` (constant-time)."""
    if connection.scope.get("method") in _SAFE_METHODS:
        return
    session = connection.scope.get("session")
    expected = session.get(_CSRF_KEY) if isinstance(session, dict) else None
    given = (await connection.form()).get(CSRF_FIELD) if isinstance(connection, Request) else None
    if (
        not isinstance(expected, str)
        or not isinstance(given, str)
        or not secrets.compare_digest(expected.encode(), given.encode())
    ):
        raise CsrfFailed


class ShopSession:
    """Typed access to the session dict (short keys keep the cookie small)."""

    def __init__(self, data: dict[str, Any], default_currency: str = "EUR") -> None:
        self._data = data
        self._default_currency = default_currency

    # currency -----------------------------------------------------------------------------
    @property
    def currency(self) -> str:
        return normalise_currency(self._data.get("cur"), self._default_currency)

    @currency.setter
    def currency(self, code: str) -> None:
        self._data["cur"] = normalise_currency(code, self._default_currency)

    # the customer -------------------------------------------------------------------------
    @property
    def access_token(self) -> str | None:
        return self._data.get("at")

    @property
    def refresh_token(self) -> str | None:
        return self._data.get("rt")

    @property
    def logged_in(self) -> bool:
        return bool(self._data.get("at"))

    @property
    def user_name(self) -> str:
        return str(self._data.get("name") or "")

    def set_tokens(self, access_token: str, refresh_token: str) -> None:
        self._data["at"] = access_token
        self._data["rt"] = refresh_token

    def set_user(self, name: str) -> None:
        self._data["name"] = name

    def log_out(self) -> None:
        """Forget the customer and their cart; the currency stays, it is not personal."""
        for key in ("at", "rt", "name", "cart", "count"):
            self._data.pop(key, None)

    # the cart -----------------------------------------------------------------------------
    @property
    def cart_id(self) -> str | None:
        return self._data.get("cart")

    @property
    def cart_count(self) -> int:
        return int(self._data.get("count") or 0)

    def set_cart(self, cart_id: str | None, item_count: int) -> None:
        if cart_id is None:
            self._data.pop("cart", None)
        else:
            self._data["cart"] = cart_id
        self._data["count"] = max(0, int(item_count))

    # forms ----------------------------------------------------------------------------------
    @property
    def csrf_token(self) -> str:
        """The token every form posts back, made on first use (so the login form has one)."""
        token = self._data.get(_CSRF_KEY)
        if not isinstance(token, str) or not token:
            token = self.renew_csrf_token()
        return token

    def renew_csrf_token(self) -> str:
        """A new token (after logging in), so one seen before the login is worth nothing."""
        token = secrets.token_urlsafe(32)
        self._data[_CSRF_KEY] = token
        return token

    def note_declined(self, order_id: str) -> None:
        self._data["declined"] = order_id

    def pop_declined(self, order_id: str) -> bool:
        """Whether this order's payment was just declined (told once, then forgotten)."""
        if self._data.get("declined") != order_id:
            return False
        del self._data["declined"]
        return True

    # one-off messages shown on the next page ----------------------------------------------
    def flash(self, message: str, *, error: bool = False) -> None:
        self._data.setdefault("flash", []).append({"text": message, "error": error})

    def pop_flashes(self) -> list[dict[str, Any]]:
        return list(self._data.pop("flash", []))
