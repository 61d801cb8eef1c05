"""Per-request and per-message context that logs, outgoing calls and events carry along, and
the ASGI middleware that sets the request's id.

Kept free of the database, broker and cache libraries: the web apps import it without them.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "caller_token_var",
    "new_request_id",
    "request_id_middleware",
    "request_id_var",
]

REQUEST_ID_HEADER = "X-Request-ID"

request_id_var: ContextVar[str | None] = ContextVar("shopkit_request_id", default=None)
# The bearer token the current request came with (set by `shopkit.auth`'s middleware), for
# calls that act as the caller (`shopkit.http.forward_caller_token`).
caller_token_var: ContextVar[str | None] = ContextVar("shopkit_caller_token", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


_REQUEST_ID_BYTES = REQUEST_ID_HEADER.lower().encode()


_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9_.:-]{1,128}")


def _valid_request_id(raw: bytes) -> str | None:
    """Accept a caller's id only when it is short and printable, so logs can't be forged."""
    return raw.decode("ascii") if _VALID_REQUEST_ID.fullmatch(raw) else None


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Take `X-Request-ID` from the caller (the gateway sets one) or make one; echo it back."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = next(
            (value for name, value in scope["headers"] if name == _REQUEST_ID_BYTES), b""
        )
        request_id = _valid_request_id(incoming) or new_request_id()
        # Log lines get it from this variable (shopkit.telemetry adds it to each one).
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((_REQUEST_ID_BYTES, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)

    return middleware
