"""Every failure becomes a friendly HTML page (never a traceback, never problem+json): an
unreachable or failing service, a page that does not exist, an expired login."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from storefront.api import NotLoggedIn
from storefront.gateway import ApiError, ServiceUnavailable
from storefront.pages import Shop, login_url
from storefront.session import CsrfFailed

log = structlog.get_logger(__name__)


def _page(
    request: Request[Any, Any, Any], status_code: int, title: str, message: str
) -> Response[Any]:
    shop = Shop(request, request.app.state)
    return shop.render_offline(
        "error.html", {"title": title, "message": message}, status_code=status_code
    )


def not_found(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return _page(
        request,
        404,
        "Page not found",
        "We could not find that page. It may have moved, or the product is no longer sold.",
    )


def unavailable(request: Request[Any, Any, Any], exc: ServiceUnavailable) -> Response[Any]:
    return _page(
        request,
        exc.status_code,
        "The shop is taking a break",
        f"{exc.reason} Please try again in a moment; your cart is safe.",
    )


def api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    if exc.status_code == 404:
        return not_found(request, exc)
    if exc.status_code == 429:
        return _page(request, 429, "Too many requests", "Please wait a moment and try again.")
    log.info("unhandled api error", status=exc.status_code, detail=exc.detail)
    return _page(request, 400, "That did not work", exc.detail)


def not_logged_in(request: Request[Any, Any, Any], _exc: NotLoggedIn) -> Response[Any]:
    target = request.url.path if request.method == "GET" else "/"
    return Redirect(path=login_url(target), status_code=303)


def csrf_failed(request: Request[Any, Any, Any], _exc: CsrfFailed) -> Response[Any]:
    return _page(
        request,
        403,
        "This form has expired",
        "The form was out of date or was not sent from this shop, so nothing was changed. "
        "Go back, reload the page and try again.",
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 404:
        return not_found(request, exc)
    if exc.status_code >= 500:
        return unexpected(request, exc)
    return _page(request, exc.status_code, "That did not work", str(exc.detail))


def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error", path=request.url.path, error=type(exc).__name__)
    return _page(
        request,
        500,
        "Something went wrong",
        "Sorry, something went wrong on our side. Please try again in a moment.",
    )


def exception_handlers() -> ExceptionHandlersMap:
    return {
        NotFoundException: not_found,
        ServiceUnavailable: unavailable,
        ApiError: api_error,
        NotLoggedIn: not_logged_in,
        CsrfFailed: csrf_failed,
        HTTPException: http_error,
        Exception: unexpected,
    }
