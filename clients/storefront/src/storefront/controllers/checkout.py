"""Checkout: address, currency and a test payment method; one order per form, however often
it is submitted (the form carries its own Idempotency-Key), then the payment is confirmed."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from storefront import carts
from storefront.api import NotLoggedIn
from storefront.gateway import ApiError
from storefront.money import normalise_currency
from storefront.pages import Shop
from storefront.paying import pay_order
from storefront.payments import DEFAULT_METHOD, TEST_METHODS, TOKENS

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

COUNTRIES = {
    "AT": "Austria", "AU": "Australia", "BE": "Belgium", "CA": "Canada", "CH": "Switzerland",
    "DE": "Germany", "DK": "Denmark", "ES": "Spain", "FI": "Finland", "FR": "France",
    "GB": "United Kingdom", "IE": "Ireland", "IT": "Italy", "JP": "Japan", "NL": "Netherlands",
    "NO": "Norway", "PL": "Poland", "PT": "Portugal", "SE": "Sweden", "US": "United States",
}  # fmt: skip
FIELDS = {
    "full_name": ("Full name", 200),
    "street": ("Street", 200),
    "city": ("City", 100),
    "postal_code": ("Postal code", 20),
}


class CheckoutController(Controller):
    path = "/checkout"

    @get("/", operation_id="checkoutForm")
    async def form(self, shop: NamedDependency[Shop]) -> Template | Redirect:
        if not shop.session.logged_in:
            raise NotLoggedIn
        cart, addresses = await asyncio.gather(
            carts.load(shop),
            shop.api.get("/api/users/me/addresses", {"limit": 1}, auth=True),
        )
        if not cart or not cart.get("lines"):
            shop.session.flash("Your cart is empty: add something first.", error=True)
            return shop.redirect("/cart")
        last = (addresses.get("items") or [{}])[0]
        form = {
            "full_name": last.get("name") or shop.session.user_name,
            "street": last.get("line1", ""),
            "city": last.get("city", ""),
            "postal_code": last.get("postal_code", ""),
            "country": last.get("country", "DE"),
            "currency": shop.currency,
            "payment_method": DEFAULT_METHOD,
            "idempotency_key": uuid.uuid4().hex,
        }
        return await _render(shop, cart, form, [])

    @post("/", operation_id="placeOrder", status_code=303)
    async def place_order(self, shop: NamedDependency[Shop], data: Form) -> Template | Redirect:
        if not shop.session.logged_in:
            raise NotLoggedIn
        form = {key: str(value).strip() for key, value in data.items()}
        errors = _validate(form)
        form["currency"] = normalise_currency(form.get("currency"), shop.currency)
        shop.session.currency = form["currency"]
        if errors or not form.get("idempotency_key"):
            form.setdefault("idempotency_key", uuid.uuid4().hex)
            return await _render(shop, await carts.load(shop), form, errors, status_code=422)
        cart_id = shop.session.cart_id or ((await carts.load(shop)) or {}).get("id")
        body = {
            "cart_id": cart_id,
            "currency": form["currency"],
            "shipping_address": {
                "name": form["full_name"],
                "line1": form["street"],
                "city": form["city"],
                "postal_code": form["postal_code"],
                "country": form["country"],
            },
        }
        try:
            order = await shop.api.post(
                "/api/orders",
                body,
                auth=True,
                headers={"Idempotency-Key": form["idempotency_key"][:255]},
            )
        except ApiError as exc:
            form["idempotency_key"] = uuid.uuid4().hex  # this attempt made no order
            return await _render(shop, await carts.load(shop), form, exc.messages(), 422)
        shop.session.set_cart(shop.session.cart_id, 0)  # the order empties the cart
        await pay_order(shop, order, form["payment_method"])
        return shop.redirect(f"/orders/{quote(str(order['id']), safe='')}")


def _validate(form: dict[str, str]) -> list[str]:
    errors = [
        f"{label} is required." if not form.get(name) else f"{label} is too long."
        for name, (label, limit) in FIELDS.items()
        if not form.get(name) or len(form[name]) > limit
    ]
    if form.get("country") not in COUNTRIES:
        errors.append("Choose a country.")
    if form.get("payment_method") not in TOKENS:
        errors.append("Choose a test payment method.")
    return errors


async def _render(
    shop: NamedDependency[Shop],
    cart: dict[str, Any] | None,
    form: dict[str, Any],
    errors: list[str],
    status_code: int = 200,
) -> Template:
    return await shop.render(
        "checkout.html",
        {
            "cart": cart,
            "form": form,
            "errors": errors,
            "countries": COUNTRIES,
            "methods": TEST_METHODS,
        },
        status_code=status_code,
    )
