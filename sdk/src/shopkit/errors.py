"""Domain errors with meaning, and the one mapping that turns them into problem+json (RFC 9457).

Services raise these (or subclasses such as `OutOfStock(ConflictError)`); controllers never build
error responses by hand. Anything unexpected becomes a 500 that names only the request id.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from shopkit.context import request_id_var

if TYPE_CHECKING:
    from advanced_alchemy.exceptions import IntegrityError
    from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
    from litestar.types import ExceptionHandlersMap

# The database, broker and cache libraries are imported only where a service's errors need
# them (`exception_handlers`, and the checks below look only at libraries already loaded): the
# web apps use the domain errors without loading them.

__all__ = [
    "PROBLEM_JSON",
    "ConflictError",
    "DomainError",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "Problem",
    "TooManyRequestsError",
    "UnauthorizedError",
    "exception_handlers",
]

PROBLEM_JSON = "application/problem+json"
_logger = structlog.get_logger("shopkit.errors")


class InvalidParam(msgspec.Struct, frozen=True):
    """One rejected field: `name` is a dotted path into the body or the parameter name."""

    name: str
    reason: str


class Problem(msgspec.Struct, omit_defaults=True, kw_only=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    invalid_params: list[InvalidParam] | None = None
    code: str | None = None


class DomainError(Exception):
    """Base of every error a service raises on purpose. Subclasses set the HTTP status."""

    status_code: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    code: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        invalid_params: list[InvalidParam] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.invalid_params = invalid_params
        self.headers = headers or {}


class InvalidInputError(DomainError):
    """Input that is well-formed but breaks a rule (422), naming the field."""

    status_code = 422
    title = "Validation failed"

    def __init__(self, field: str, reason: str, *, detail: str | None = None) -> None:
        super().__init__(
            detail or f"{field}: {reason}", invalid_params=[InvalidParam(name=field, reason=reason)]
        )


class UnauthorizedError(DomainError):
    status_code = 401
    title = "Unauthorized"


class ForbiddenError(DomainError):
    status_code = 403
    title = "Forbidden"


class NotFoundError(DomainError):
    status_code = 404
    title = "Not found"


class ConflictError(DomainError):
    status_code = 409
    title = "Conflict"


class TooManyRequestsError(DomainError):
    status_code = 429
    title = "Too many requests"


class OverloadedError(DomainError):
    """Our own database or Redis cannot take the request now (no free connection, refusing
    connections, restarting): a 503 with `Retry-After`, as the request changed nothing."""

    status_code = 503
    title = "Service unavailable"
    code = "service-unavailable"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    problem.request_id = problem.request_id or request_id_var.get()
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    problem = Problem(
        type=f"https://shopkit.dev/problems/{exc.code or _slug(exc.title)}",
        title=exc.title,
        status=exc.status_code,
        detail=exc.detail,
        instance=request.url.path,
        invalid_params=exc.invalid_params,
        code=exc.code,
    )
    return problem_response(problem, exc.headers)


def _param_name(raw: dict[str, Any]) -> str:
    """The field a validation message is about, as a dotted path into the body.

    Litestar gives the location in `key` ("data" for the body itself, "address" for a field
    of it, "limit" for a query parameter); a missing field is named only in the message
    ("Object missing required field `city`"), so it is appended to the path.
    """
    key = str(raw.get("key") or "")
    message = str(raw.get("message", ""))
    base = "" if key in ("", "data") else key.removeprefix("data.")
    for marker in ("required field `", "unknown field `"):
        if marker in message:
            named = message.split(marker, 1)[1].split("`", 1)[0]
            return f"{base}.{named}" if base else named
    return base or "body"


_MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '(?P<name>[^']+)'")


def _missing_parameter(detail: str) -> str | None:
    """Litestar names a missing query, header or path parameter only in its message."""
    match = _MISSING_PARAMETER.search(detail)
    return match.group("name") if match else None


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    params = [
        InvalidParam(name=_param_name(item), reason=str(item.get("message", "invalid")))
        for item in extra
        if isinstance(item, dict)
    ] or [InvalidParam(name=_missing_parameter(exc.detail) or "body", reason=exc.detail)]
    problem = Problem(
        type="https://shopkit.dev/problems/validation-failed",
        title="Validation failed",
        status=422,
        detail="; ".join(f"{p.name}: {p.reason}" for p in params),
        instance=request.url.path,
        invalid_params=params,
    )
    return problem_response(problem)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    problem = Problem(
        title=exc.detail if exc.status_code != 404 else "Not found",
        status=exc.status_code,
        detail=exc.detail,
        instance=request.url.path,
    )
    return problem_response(problem, dict(exc.headers or {}))


def _repository_not_found(
    request: Request[Any, Any, Any], exc: RepositoryNotFoundError
) -> Response[bytes]:
    return _domain_error(request, NotFoundError("The requested resource does not exist."))


# PostgreSQL's class 22 ("data exception") and asyncpg's own refusal to encode a parameter
# (22000: an int beyond int64 or int32, a malformed UUID): the input, not the server, is wrong.
_DATA_REASONS = {
    "22001": "a value is longer than its field allows",
    "22003": "a number is out of range for its field",
    "22008": "a date or time is out of range",
    "22021": "a text contains a character that cannot be stored (such as NUL)",
    "22P02": "a value is not valid for its field",
    "22P05": "a text contains a character that cannot be stored (such as NUL)",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps (`__cause__`, else `__context__`), each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _data_exception(exc: BaseException) -> str | None:
    """The SQLSTATE when `exc` (or what it wraps) is the database refusing a value, else None."""
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is None:  # never loaded: nothing here can come from the database
        return None
    for current in _chain(exc):
        if isinstance(current, sqlalchemy_errors.DBAPIError):
            state = getattr(current.orig, "sqlstate", None)
            return state if isinstance(state, str) and state.startswith("22") else None
    return None


def _refused_value(request: Request[Any, Any, Any], sqlstate: str) -> Response[bytes]:
    """422 for a value the database cannot store: the request changed nothing (rolled back)."""
    _logger.warning("database_refused_value", path=request.url.path, sqlstate=sqlstate)
    reason = _DATA_REASONS.get(sqlstate, "a value is out of range or not valid for its field")
    problem = Problem(
        type="https://shopkit.dev/problems/validation-failed",
        title="Validation failed",
        status=422,
        detail=f"request: {reason}",
        instance=request.url.path,
        invalid_params=[InvalidParam(name="request", reason=reason)],
    )
    return problem_response(problem)


# SQLSTATE class 53 (insufficient resources: too many connections), class 08 (the connection
# failed or was lost) and 57P (the server is shutting down, crashed or starting): the database
# cannot take the request now; it may in a moment.
_UNAVAILABLE_STATES = ("53", "08", "57P")


def _unavailable_cause(exc: BaseException) -> str | None:
    """What makes `exc` a 'not now' from our own infrastructure, or None."""
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    redis_errors = sys.modules.get("redis.exceptions")
    for current in _chain(exc):
        state = getattr(current, "sqlstate", None) or getattr(
            getattr(current, "orig", None), "sqlstate", None
        )
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES):
            return f"database {state}"
        if sqlalchemy_errors is not None and isinstance(current, sqlalchemy_errors.TimeoutError):
            return "database pool exhausted"
        if sqlalchemy_errors is not None and getattr(current, "connection_invalidated", False):
            return "database connection lost"
        if isinstance(current, ConnectionError):  # refused, reset or broken: a server away
            return f"connection {type(current).__name__}"
        if type(current).__name__ == "InterfaceError" and "connection is closed" in str(current):
            return "database connection closed"  # asyncpg, the server gone mid-request
        if redis_errors is not None and isinstance(
            current, redis_errors.ConnectionError | redis_errors.TimeoutError
        ):
            return f"redis {type(current).__name__}"
    return None


def _overloaded(request: Request[Any, Any, Any], cause: str) -> Response[bytes]:
    _logger.warning("service_overloaded", path=request.url.path, cause=cause)
    error = OverloadedError(
        "The service is busy or briefly unavailable; try again in a moment.",
        headers={"Retry-After": "1"},
    )
    return _domain_error(request, error)


def _database(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """A database error: a refused value is 422, a constraint the change breaks (found as late
    as the commit) 409, no free connection 503 (`_unexpected` tells), else 500."""
    sqlstate = _data_exception(exc)
    if sqlstate is not None:
        return _refused_value(request, sqlstate)
    from sqlalchemy.exc import IntegrityError as ConstraintBroken

    if isinstance(exc, ConstraintBroken):
        return _domain_error(request, ConflictError("The change conflicts with existing data."))
    return _unexpected(request, exc)


def _integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[bytes]:
    # advanced-alchemy reports every statement error as an IntegrityError, refused values too.
    sqlstate = _data_exception(exc)
    if sqlstate is not None:
        return _refused_value(request, sqlstate)
    from advanced_alchemy.exceptions import DuplicateKeyError

    detail = (
        "A resource with these values already exists."
        if isinstance(exc, DuplicateKeyError)
        else "The change conflicts with existing data."
    )
    return _domain_error(request, ConflictError(detail))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    cause = _unavailable_cause(exc)
    if cause is not None:
        return _overloaded(request, cause)
    _logger.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    problem = Problem(
        title="Internal server error",
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        detail="Something went wrong on our side. Quote the request id if you contact support.",
        instance=request.url.path,
    )
    return problem_response(problem)


def exception_handlers() -> ExceptionHandlersMap:
    """The mapping `create_app` installs: domain errors, validation, repository errors, the rest.

    A value the database refuses (PostgreSQL's data exceptions: NUL in text, a number out of
    range, a string too long) is a 422, never a 500: the safety net behind `shopkit.guard`.
    """
    from advanced_alchemy.exceptions import IntegrityError, RepositoryError
    from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
    from sqlalchemy.exc import DBAPIError

    return {
        DomainError: _domain_error,
        ValidationException: _validation_error,
        HTTPException: _http_error,
        RepositoryNotFoundError: _repository_not_found,
        IntegrityError: _integrity,
        RepositoryError: _database,
        DBAPIError: _database,
        Exception: _unexpected,
    }
