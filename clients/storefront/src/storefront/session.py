"""The shopper's session: an encrypted, HttpOnly, SameSite=Lax cookie holding their tokens, cart
id, item count and currency. Nothing is stored server-side, so any replica serves any shopper."""

from __future__ import annotations

import copy
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.client_side import (
    ClientSideSessionBackend,
    CookieBackendConfig,
)
from litestar.types import Message, ScopeSession

from storefront.config import StorefrontSettings
from storefront.money import normalise_currency

_LOADED = "storefront.session_loaded"


class _ChangedOnlyBackend(ClientSideSessionBackend):
    """Sends `Set-Cookie` only when the session changed, so a page polled every second (the
    order status) never overwrites what another tab just wrote with the same old values."""

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
