"""Rendering: every page gets the CSRF token, the admin, the nav and the pending messages."""

from __future__ import annotations

from typing import Any, cast

from litestar import Request
from litestar.response import Redirect, Template

from admin.session import add_message, csrf_token, pop_messages

NAV = (
    ("dashboard", "Dashboard", "/admin"),
    ("products", "Products", "/admin/products"),
    ("categories", "Categories", "/admin/categories"),
    ("stock", "Stock", "/admin/stock"),
    ("orders", "Orders", "/admin/orders"),
    ("users", "Users", "/admin/users"),
    ("rates", "Exchange rates", "/admin/rates"),
    ("dead_letters", "Dead letters", "/admin/dead-letters"),
    ("reconciliation", "Reconciliation", "/admin/reconciliation"),
)


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    section: str | None = None,
    **context: Any,
) -> Template:
    # The cookie session middleware always stores a dict (or nothing).
    session = cast("dict[str, Any]", request.scope.get("session") or {})
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "csrf": csrf_token(request),
            "admin": session.get("user") if session.get("access_token") else None,
            "nav": NAV,
            "section": section,
            "messages": pop_messages(request),
            **context,
        },
        headers={"Cache-Control": "no-store"},
    )


def done(request: Request[Any, Any, Any], to: str, text: str) -> Redirect:
    """Post-redirect-get after a change that worked; the next page says so (role=status)."""
    add_message(request, text)
    return Redirect(to, status_code=303)


def refused(request: Request[Any, Any, Any], to: str, text: str) -> Redirect:
    """Post-redirect-get after a refused change; the next page says why (role=alert)."""
    add_message(request, text, kind="alert")
    return Redirect(to, status_code=303)
