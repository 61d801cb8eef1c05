"""Register, log in (the guest cart is claimed), log out."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from storefront import carts
from storefront.gateway import ApiError, ServiceUnavailable
from storefront.pages import Shop, safe_next

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class AccountController(Controller):
    @get("/login", operation_id="loginForm")
    async def login_form(
        self, shop: NamedDependency[Shop], next: FromQuery[str | None] = None
    ) -> Template:
        return await shop.render("login.html", {"next": safe_next(next), "form": {}})

    @post("/login", operation_id="login", status_code=303)
    async def login(self, shop: NamedDependency[Shop], data: Form) -> Redirect | Template:
        target = safe_next(data.get("next"))
        email, password = data.get("email", "").strip(), data.get("password", "")
        if not email or not password:
            return await _form(shop, "login.html", data, ["Enter your email and password."])
        try:
            await _log_in(shop, email, password)
        except ApiError as exc:
            return await _form(shop, "login.html", data, _login_messages(exc))
        shop.session.flash(f"Welcome back, {shop.session.user_name}.")
        return shop.redirect(target)

    @get("/register", operation_id="registerForm")
    async def register_form(
        self, shop: NamedDependency[Shop], next: FromQuery[str | None] = None
    ) -> Template:
        return await shop.render("register.html", {"next": safe_next(next), "form": {}})

    @post("/register", operation_id="register", status_code=303)
    async def register(self, shop: NamedDependency[Shop], data: Form) -> Redirect | Template:
        target = safe_next(data.get("next"))
        name, email = data.get("name", "").strip(), data.get("email", "").strip()
        password = data.get("password", "")
        missing = [
            label
            for label, value in (("Name", name), ("Email", email), ("Password", password))
            if not value
        ]
        if missing:
            return await _form(
                shop, "register.html", data, [f"{label} is required." for label in missing]
            )
        try:
            await shop.api.post(
                "/api/auth/register", {"name": name, "email": email, "password": password}
            )
            await _log_in(shop, email, password)
        except ApiError as exc:
            return await _form(shop, "register.html", data, exc.messages())
        shop.session.flash(f"Welcome, {shop.session.user_name}. Your account is ready.")
        return shop.redirect(target)

    @post("/logout", operation_id="logout", status_code=303)
    async def logout(self, shop: NamedDependency[Shop]) -> Redirect:
        if refresh_token := shop.session.refresh_token:
            # The tokens are forgotten here either way; they expire on their own.
            with contextlib.suppress(ApiError, ServiceUnavailable):
                await shop.api.post("/api/auth/logout", {"refresh_token": refresh_token})
        shop.session.log_out()
        shop.session.flash("You are logged out.")
        return shop.redirect("/")


async def _log_in(shop: NamedDependency[Shop], email: str, password: str) -> None:
    tokens = await shop.api.post("/api/auth/login", {"email": email, "password": password})
    shop.session.set_tokens(tokens["access_token"], tokens["refresh_token"])
    shop.session.renew_csrf_token()
    me, _ = await asyncio.gather(
        shop.api.get("/api/users/me", auth=True), carts.adopt_after_login(shop)
    )
    shop.session.set_user(str(me.get("name") or me.get("email") or ""))


def _login_messages(exc: ApiError) -> list[str]:
    if exc.status_code == 401:
        return ["The email or password is wrong."]
    if exc.status_code == 429:
        return ["Too many attempts. Please wait a few minutes and try again."]
    return exc.messages()


async def _form(
    shop: NamedDependency[Shop], template: str, data: dict[str, Any], errors: list[str]
) -> Template:
    form = {k: v for k, v in data.items() if k != "password"}
    return await shop.render(
        template,
        {"next": safe_next(data.get("next")), "form": form, "errors": errors},
        status_code=422,
    )
