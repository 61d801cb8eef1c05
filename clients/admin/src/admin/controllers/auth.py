"""Log in (admins only) and out."""

from __future__ import annotations

import contextlib
from typing import Any

import structlog
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from admin.deps import anonymous_api
from admin.gateway import ApiError, GatewayUnavailable
from admin.pages import page
from admin.session import clear_login, login_state, safe_next, store_login

_logger = structlog.get_logger("admin.auth")

NOT_ADMIN = "This account is not an administrator."


class AuthController(Controller):
    path = "/admin"

    @get("/login", name="login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        target = safe_next(request.query_params.get("next"))
        if login_state(request) is not None:
            return Redirect(target, status_code=303)
        return page(request, "login.html", next=target, email="")

    @post("/login", name="login.submit")
    async def login(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await request.form()
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        target = safe_next(str(form.get("next", "")) or None)

        def again(status: int, message: str) -> Template:
            return page(
                request, "login.html", status_code=status, next=target, email=email, error=message
            )

        if not email or not password:
            return again(400, "Enter your email and password.")
        api = anonymous_api(request)
        try:
            tokens = await api.post("/api/auth/login", {"email": email, "password": password})
        except ApiError as exc:
            if exc.status in (400, 401, 422):
                return again(401, "Wrong email or password.")
            return again(exc.status, exc.message)
        api.token = tokens["access_token"]
        me = await api.get("/api/users/me")
        if "admin" not in (me.get("roles") or []):
            _logger.info("login_refused_not_admin", user_id=me.get("id"))
            # The tokens are dropped either way; revoking them is a courtesy.
            with contextlib.suppress(ApiError, GatewayUnavailable):
                await api.post("/api/auth/logout", {"refresh_token": tokens["refresh_token"]})
            clear_login(request)
            return again(403, NOT_ADMIN)
        store_login(request, tokens, me)
        _logger.info("admin_logged_in", user_id=me.get("id"))
        return Redirect(target, status_code=303)

    @post("/logout", name="logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        state = login_state(request)
        refresh_token = state.get("refresh_token") if state is not None else None
        clear_login(request)
        if refresh_token:
            # Already revoked, expired or unreachable: the session has ended anyway.
            with contextlib.suppress(ApiError, GatewayUnavailable):
                await anonymous_api(request).post(
                    "/api/auth/logout", {"refresh_token": refresh_token}
                )
        return Redirect("/admin/login", status_code=303)
