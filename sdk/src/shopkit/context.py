"""Per-request and per-message context that logs, outgoing calls and events carry along."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

__all__ = ["REQUEST_ID_HEADER", "new_request_id", "request_id_var"]

REQUEST_ID_HEADER = "X-Request-ID"

request_id_var: ContextVar[str | None] = ContextVar("shopkit_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex
