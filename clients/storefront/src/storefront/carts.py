"""The shopper's cart through the cart API: a guest cart made on the first add (its id kept in
the session), the customer's own cart after login, with the guest cart claimed into it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from storefront.gateway import ApiError
from storefront.pages import Shop


def _path(cart_id: str, *rest: str) -> str:
    return "/".join(["/api/carts", quote(cart_id, safe=""), *(quote(p, safe="") for p in rest)])


def remember(shop: Shop, cart: dict[str, Any]) -> dict[str, Any]:
    shop.session.set_cart(cart["id"], int(cart.get("item_count", 0)))
    return cart


async def load(shop: Shop) -> dict[str, Any] | None:
    """The cart priced now in the shopper's currency; None when there is none (or it expired)."""
    cart_id = shop.session.cart_id
    if cart_id is None and shop.session.logged_in:
        return remember(shop, await _customer_cart(shop))
    if cart_id is None:
        return None
    try:
        cart = await shop.api.get(_path(cart_id), {"currency": shop.currency})
    except ApiError as exc:
        if exc.status_code != 404:
            raise
        shop.session.set_cart(None, 0)
        return None
    return remember(shop, cart)


async def add(shop: Shop, sku: str, quantity: int) -> dict[str, Any]:
    """Add to the cart, making one first when needed (or when the kept one has expired)."""
    body = {"sku": sku, "quantity": quantity}
    cart_id = shop.session.cart_id or (await _new_cart(shop))["id"]
    try:
        cart = await shop.api.post(_path(cart_id, "items"), body)
    except ApiError as exc:
        if exc.status_code != 404 or exc.code != "cart-not-found":
            raise
        cart = await shop.api.post(_path((await _new_cart(shop))["id"], "items"), body)
    return remember(shop, cart)


async def set_quantity(shop: Shop, sku: str, quantity: int) -> dict[str, Any] | None:
    cart_id = shop.session.cart_id
    if cart_id is None:
        return None
    if quantity <= 0:
        cart = await shop.api.call("DELETE", _path(cart_id, "items", sku))
    else:
        cart = await shop.api.call(
            "PATCH", _path(cart_id, "items", sku), json={"quantity": quantity}
        )
    return remember(shop, cart)


async def adopt_after_login(shop: Shop) -> None:
    """Claim the guest cart into the customer's cart, or just find the customer's cart."""
    guest = shop.session.cart_id
    cart: dict[str, Any] | None = None
    if guest:
        try:
            cart = await shop.api.post(_path(guest, "claim"), auth=True)
        except ApiError:
            cart = None  # expired or already claimed: the customer's own cart is still there
    remember(shop, cart or await _customer_cart(shop))


async def _customer_cart(shop: Shop) -> dict[str, Any]:
    """POST /api/carts with a customer's token answers their one cart (made once)."""
    return await shop.api.post("/api/carts", {"currency": shop.currency}, auth=True)


async def _new_cart(shop: Shop) -> dict[str, Any]:
    return remember(shop, await shop.api.post("/api/carts", {"currency": shop.currency}))
