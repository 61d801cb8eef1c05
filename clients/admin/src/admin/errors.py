"""Every failure becomes a readable HTML page: never a traceback, never raw problem+json."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from admin.deps import next_path
from admin.gateway import ApiError, GatewayUnavailable
from admin.pages import page
from admin.session import CsrfFailed, LoginRequired, clear_login, safe_next

_logger = structlog.get_logger("admin.errors")


def _error_page(
    request: Request[Any, Any, Any], status: int, title: str, message: str
) -> Response[Any]:
    return page(request, "error.html", status_code=status, title=title, message=message)


def login_required(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    query = urlencode({"next": safe_next(exc.next_path)})
    return Redirect(f"/admin/login?{query}", status_code=303)


def csrf_failed(request: Request[Any, Any, Any], _: CsrfFailed) -> Response[Any]:
    return _error_page(
        request,
        403,
        "Form expired",
        "This form is out of date or was not sent from this dashboard, so nothing was changed. "
        "Go back, reload the page and try again.",
    )


def gateway_unavailable(request: Request[Any, Any, Any], exc: GatewayUnavailable) -> Response[Any]:
    return _error_page(
        request,
        503,
        "The shop is not answering",
        "The shop's services could not be reached just now, so this page cannot be shown. "
        "Nothing was changed. Try again in a moment.",
    )


def api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    if exc.status == 401:
        clear_login(request)  # the token was refused (revoked, or the keys rotated)
        return login_required(request, LoginRequired(next_path(request)))
    if exc.status == 403:
        return _error_page(request, 403, "Not allowed", exc.message)
    if exc.status == 404:
        return _error_page(request, 404, "Not found", exc.message)
    return _error_page(request, exc.status, "The shop refused the request", exc.message)


def http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status == 404:
        return _error_page(request, 404, "Not found", "There is no such page in the dashboard.")
    if status == 405:
        return _error_page(request, 405, "Not allowed", "That page cannot be used this way.")
    if status < 500:
        return _error_page(request, status, "Bad request", str(exc.detail))
    return internal_error(request, exc)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    _logger.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
    return _error_page(
        request,
        500,
        "Something went wrong",
        "The dashboard hit an unexpected error; it has been logged. Try again in a moment.",
    )


def exception_handlers() -> ExceptionHandlersMap:
    return {
        LoginRequired: login_required,
        CsrfFailed: csrf_failed,
        GatewayUnavailable: gateway_unavailable,
        ApiError: api_error,
        HTTPException: http_exception,
        Exception: internal_error,
    }
