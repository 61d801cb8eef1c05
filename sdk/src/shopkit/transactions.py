"""A request's unit of work: committed by the SDK before the answer, with work that waits for
the commit.

Controllers do not commit and services do not either: a request's session (advanced-alchemy's,
`db_session`) is committed by `commit_before_answer` once the handler has built a successful
answer and before anything is sent, so a commit that fails is the error the client gets (503
when the database is away), never a 2xx for a write that was lost. A handler that raises is
rolled back (`shopkit.db.request_session_finisher`).

What must happen only once the write is durable (drop a cache entry every replica reads,
wake a worker) is registered by the service that made the change:

    after_commit(self.repository.session, self._cache.invalidate)

and runs, in order, right after the session's next commit through this module (`commit`,
`unit_of_work`: the request's, an event handler's, a sweeper's); a rollback drops it. An
action that fails is logged: the commit stands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import structlog
from advanced_alchemy.extensions.litestar._utils import _SCOPE_NAMESPACE
from litestar import Response
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

__all__ = [
    "after_commit",
    "commit",
    "commit_before_answer",
    "has_work",
    "request_scope_middleware",
    "unit_of_work",
]

AfterCommit = Callable[[], Awaitable[Any]]

_PENDING = "shopkit.after_commit"
_logger = structlog.get_logger("shopkit.transactions")
_scope_var: ContextVar[Scope | None] = ContextVar("shopkit_request_scope", default=None)


def after_commit(session: AsyncSession, action: AfterCommit) -> None:
    """Run `action()` once `session`'s current transaction has committed (`commit`); dropped
    if it rolls back instead."""
    pending: list[AfterCommit] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        if not event.contains(session.sync_session, "after_rollback", _forget):
            event.listen(session.sync_session, "after_rollback", _forget)
    pending.append(action)


def _forget(sync_session: Session) -> None:
    sync_session.info.pop(_PENDING, None)


async def commit(session: AsyncSession) -> None:
    """Commit `session`, then run what waited for it (`after_commit`), in order."""
    await session.commit()
    for action in session.info.pop(_PENDING, None) or ():
        try:
            await action()
        except Exception:
            _logger.exception("an action after a commit failed; the commit stands")


@asynccontextmanager
async def unit_of_work(
    session_maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed (`commit`: with what waits for it) when the block
    ends, or rolled back when it raises: an event handled, a row swept."""
    async with session_maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await commit(session)


def has_work(session: AsyncSession) -> bool:
    """Whether ending `session` has anything to do (a transaction open, or changes pending)."""
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


def request_scope_middleware(app: ASGIApp) -> ASGIApp:
    """Keeps the request's ASGI scope where `commit_before_answer` finds its session."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        token = _scope_var.set(scope)
        try:
            await app(scope, receive, send)
        finally:
            _scope_var.reset(token)

    return middleware


def commit_before_answer() -> Callable[[Response[Any]], Awaitable[Any]]:
    """`after_request` hook: commit the request's session when the answer is a success, before
    it is sent; a failed commit raises, and the error mapping answers instead."""

    async def hook(response: Response[Any]) -> Response[Any]:
        scope = _scope_var.get()
        if scope is None or (response.status_code or 200) >= 400:
            return response
        # The sessions advanced-alchemy opened for this request (its key may be renamed when
        # an app is made, so they are found by type).
        for session in list(scope.get(_SCOPE_NAMESPACE, {}).values()):  # type: ignore[attr-defined]
            if isinstance(session, AsyncSession) and has_work(session):
                await commit(session)
        return response

    return hook
