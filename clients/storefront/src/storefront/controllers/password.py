"""Forgotten password: ask for a reset link, then choose a new password with the emailed token.

The emailed link is `/reset-password?token=...`. Whether an account exists is never revealed:
every well-formed request gets the same answer. The token is a secret in the URL, so the
reset page is not cached and its `<meta name="referrer">` keeps it out of every `Referer` (a
meta tag, as the gateway replaces the services' `Referrer-Policy` headers with its own).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from storefront.gateway import ApiError
from storefront.pages import Shop

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

SENT = (
    "If an account exists for this email, a link to choose a new password is on its way. "
    "It works once and only for a short while."
)
TOKEN_REFUSED = "This reset link has expired or was already used. Request a new one below."
TOO_MANY = "Too many attempts. Please wait a few minutes and try again."
_PRIVATE = {"Cache-Control": "no-store"}


class PasswordResetController(Controller):
    @get("/forgot-password", operation_id="forgotPasswordForm")
    async def forgot_form(self, shop: NamedDependency[Shop]) -> Template:
        return await shop.render("forgot_password.html", {"form": {}})

    @post("/forgot-password", operation_id="requestPasswordReset", status_code=303)
    async def request_reset(self, shop: NamedDependency[Shop], data: Form) -> Redirect | Template:
        email = data.get("email", "").strip()
        if not email:
            return await _forgot(shop, email, ["Enter the email address of your account."])
        try:
            await shop.api.post("/api/auth/password-reset", {"email": email})
        except ApiError as exc:
            return await _forgot(shop, email, request_messages(exc))
        shop.session.flash(SENT)
        return shop.redirect("/login")

    @get("/reset-password", operation_id="resetPasswordForm")
    async def reset_form(
        self, shop: NamedDependency[Shop], token: FromQuery[str | None] = None
    ) -> Template:
        if not token:
            return await _reset(
                shop, None, ["This reset link is incomplete. Request a new one below."], 400
            )
        return await _reset(shop, token, [], 200)

    @post("/reset-password", operation_id="resetPassword", status_code=303)
    async def reset(self, shop: NamedDependency[Shop], data: Form) -> Redirect | Template:
        token = data.get("token", "")
        new_password, confirm = data.get("new_password", ""), data.get("confirm", "")
        if not token:
            return await _reset(
                shop, None, ["This reset link is incomplete. Request a new one below."], 400
            )
        if not new_password:
            return await _reset(shop, token, ["Enter a new password."], 422)
        if new_password != confirm:
            return await _reset(shop, token, ["The two passwords do not match."], 422)
        try:
            await shop.api.post(
                "/api/auth/password-reset/confirm", {"token": token, "new_password": new_password}
            )
        except ApiError as exc:
            refused, messages = confirm_messages(exc)
            return await _reset(shop, None if refused else token, messages, exc.status_code)
        # Every login of the account has just ended; this browser's ends with them.
        shop.session.log_out()
        shop.session.flash("Your password has been changed. Log in with your new password.")
        return shop.redirect("/login")


def request_messages(exc: ApiError) -> list[str]:
    """What to say when a reset link could not be requested (never whether the account exists)."""
    if exc.status_code == 429:
        return [TOO_MANY]
    return ["Enter a valid email address."]


def confirm_messages(exc: ApiError) -> tuple[bool, list[str]]:
    """(whether the token itself was refused, what to tell the shopper) for a refused reset."""
    if exc.status_code == 429:
        return False, [TOO_MANY]
    params = [p for p in exc.problem.get("invalid_params") or [] if isinstance(p, dict)]
    fields = {str(p.get("name")) for p in params}
    if exc.code == "invalid-reset-token" or "token" in fields:
        return True, [TOKEN_REFUSED]
    if fields & {"password", "new_password"}:
        reasons = "; ".join(str(p.get("reason")) for p in params if p.get("reason"))
        return False, [f"Choose a stronger password: {reasons or exc.detail}."]
    return False, exc.messages()


async def _forgot(shop: Shop, email: str, errors: list[str]) -> Template:
    return await shop.render(
        "forgot_password.html", {"form": {"email": email}, "errors": errors}, status_code=422
    )


async def _reset(shop: Shop, token: str | None, errors: list[str], status_code: int) -> Template:
    page = await shop.render(
        "reset_password.html",
        {"token": token, "errors": errors, "token_refused": token is None},
        status_code=status_code,
    )
    page.headers.update(_PRIVATE)
    return page
