"""The cart page and its forms (add, change quantity, remove)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from storefront import carts
from storefront.gateway import ApiError
from storefront.pages import Shop, safe_next

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
MAX_QUANTITY = 99


def _quantity(raw: str | None, default: int = 1) -> int | None:
    try:
        value = int(str(raw if raw not in (None, "") else default).strip())
    except ValueError:
        return None
    return value if 0 <= value <= MAX_QUANTITY else None


class CartController(Controller):
    path = "/cart"

    @get("/", operation_id="cart")
    async def cart(self, shop: NamedDependency[Shop]) -> Template:
        return await shop.render("cart.html", {"cart": await carts.load(shop)})

    @post("/items", operation_id="addToCart", status_code=303)
    async def add(self, shop: NamedDependency[Shop], data: Form) -> Redirect:
        back = safe_next(data.get("back"), "/cart")
        sku = (data.get("sku") or "").strip()
        quantity = _quantity(data.get("quantity"))
        if not sku or not quantity:
            shop.session.flash(f"Choose a quantity from 1 to {MAX_QUANTITY}.", error=True)
            return shop.redirect(back)
        try:
            cart = await carts.add(shop, sku, quantity)
        except ApiError as exc:
            shop.session.flash(_cart_message(exc), error=True)
            return shop.redirect(back)
        name = next((line["name"] for line in cart.get("lines", []) if line["sku"] == sku), sku)
        shop.session.flash(f"Added {name} (quantity {quantity}) to your cart.")
        return shop.redirect("/cart")

    @post("/items/{sku:str}", operation_id="updateCartLine", status_code=303)
    async def update(self, shop: NamedDependency[Shop], sku: FromPath[str], data: Form) -> Redirect:
        quantity = 0 if "remove" in data else _quantity(data.get("quantity"))
        if quantity is None:
            shop.session.flash(f"Choose a quantity from 0 to {MAX_QUANTITY}.", error=True)
            return shop.redirect("/cart")
        try:
            await carts.set_quantity(shop, sku, quantity)
        except ApiError as exc:
            shop.session.flash(_cart_message(exc), error=True)
        return shop.redirect("/cart")


def _cart_message(exc: ApiError) -> str:
    if exc.code == "not-enough-stock":
        return f"Sorry, not enough stock: {exc.detail}"
    return " ".join(exc.messages())
