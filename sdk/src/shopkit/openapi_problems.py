"""Every operation's OpenAPI lists the problem+json errors the platform really answers with.

Litestar documents a 400 for every operation with parameters or a body, but the SDK's error
mapping answers bad input with a 422 problem, and the 401/403/404 that guards and lookups send
are not documented at all. `ProblemResponsesPlugin` (installed by `create_app`) decides it once,
from what each route is:

- 422 when the operation has any parameter or a body (validation, `shopkit.errors`);
- 401 when it needs a token: its security is not `[{}]`, it is not `exclude_from_auth`, or it
  has guards;
- 403 when it has guards other than `requires_authenticated` (roles, scopes);
- 404 when its path has parameters;
- Litestar's generic 400 is removed unless the handler declares a 400 itself.

What only a handler knows (409, 429, a 400 it really sends) it declares with
`responses=problem_responses(409)`; a handler's own declaration always wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from shopkit.auth import requires_authenticated
from shopkit.errors import PROBLEM_JSON, Problem

__all__ = [
    "PROBLEM_DESCRIPTIONS",
    "ProblemResponsesPlugin",
    "problem_responses",
    "requires_token",
]

PROBLEM_DESCRIPTIONS: Mapping[int, str] = {
    400: "Bad request",
    401: "No valid access token (missing, expired, or not signed by the platform)",
    403: "The token lacks the role or scope this operation needs",
    404: "The resource does not exist, or is not the caller's",
    409: "The request conflicts with the resource's current state",
    422: "Validation failed: `invalid_params` names each rejected field or parameter",
    429: "Too many requests: retry after the `Retry-After` header's seconds",
}


def problem_responses(*statuses: int, description: str | None = None) -> dict[int, ResponseSpec]:
    """Problem+json `responses=` entries: `@post(..., responses=problem_responses(409))`."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=description or PROBLEM_DESCRIPTIONS.get(status, "Problem"),
            generate_examples=False,
        )
        for status in statuses
    }


def _guards(handler: HTTPRouteHandler) -> list[Any]:
    # The layers' own lists: `resolve_guards()` wraps sync guards, hiding which one they are.
    return [guard for layer in handler.ownership_layers for guard in layer.guards or ()]


def requires_token(handler: HTTPRouteHandler) -> bool:
    """Whether a caller without a valid token gets a 401: guarded, or not marked public
    (`security=[{}]` or `exclude_from_auth`)."""
    public = bool(handler.opt.get("exclude_from_auth")) or {} in handler.resolve_security()
    return bool(_guards(handler)) or not public


def _statuses_for(handler: HTTPRouteHandler, route: HTTPRoute) -> list[int]:
    statuses = [422]
    if requires_token(handler):
        statuses.append(401)
    if any(guard is not requires_authenticated for guard in _guards(handler)):
        statuses.append(403)
    if route.path_parameters:
        statuses.append(404)
    return statuses


_OPERATION_CLASSES: dict[tuple[type[Operation], bool], type[Operation]] = {}


def _problem_operation(base: type[Operation], *, keep_400: bool) -> type[Operation]:
    """`base` minus Litestar's generic 400, and minus the 422 where nothing can be invalid."""
    known = _OPERATION_CLASSES.get((base, keep_400))
    if known is not None:
        return known

    def __post_init__(self: Operation) -> None:
        responses = self.responses or {}
        if not keep_400:
            responses.pop("400", None)
        if not self.parameters and self.request_body is None:
            responses.pop("422", None)
        parent: Any = getattr(super(cls, self), "__post_init__", None)
        if parent is not None:
            parent()

    cls: type[Operation] = dataclasses.dataclass(
        type(base.__name__, (base,), {"__post_init__": __post_init__})
    )
    _OPERATION_CLASSES[(base, keep_400)] = cls
    return cls


class ProblemResponsesPlugin(ReceiveRoutePlugin):
    """Documents each operation's problem+json responses as the route is registered."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            declared = dict(handler.responses or {})
            keep_400 = 400 in declared or any(
                exc.status_code == 400 and not issubclass(exc, ValidationException)
                for exc in handler.raises or ()
            )
            handler.responses = {**problem_responses(*_statuses_for(handler, route)), **declared}
            handler.operation_class = _problem_operation(handler.operation_class, keep_400=keep_400)
