"""Waiting for an order to change, so its page learns of a new status at once instead of
polling for it once a second.

Every transaction that adds to an order's history (`stage_change`) sends PostgreSQL a
`NOTIFY order_changed, '<order id>'` just before it commits; PostgreSQL delivers it to the
listeners only if and when the transaction commits, so a woken waiter always reads the new
state. Each process of the service keeps one listening connection (`OrderWatch`) and wakes the
requests waiting on that order (`GET /api/orders/{id}` with `Prefer: wait=N`), whichever
process made the change.

Without its listening connection (PostgreSQL restarted, the connection dropped) a process
does not miss a change: its waiters re-read the order every `fallback_seconds` until the
connection is back, and everyone waiting is woken to re-read once it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import structlog
from shopkit.db import asyncpg_dsn
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

CHANNEL = "order_changed"
_STAGED = "order_watch.changed"
# NOTIFY's payload is at most 8,000 bytes: ids are sent in batches well below it.
_IDS_PER_NOTIFY = 200
_NOTIFY = text("SELECT pg_notify(:channel, :ids)")

_logger = structlog.get_logger(__name__)


def stage_change(session: AsyncSession | Session, order_id: uuid.UUID) -> None:
    """Announce, when `session` commits, that this order changed."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_STAGED, set()).add(str(order_id))


@event.listens_for(Session, "before_commit")
def _notify_staged(session: Session) -> None:
    ids = sorted(session.info.pop(_STAGED, ()))
    for start in range(0, len(ids), _IDS_PER_NOTIFY):
        batch = ",".join(ids[start : start + _IDS_PER_NOTIFY])
        session.execute(_NOTIFY, {"channel": CHANNEL, "ids": batch})


@event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)


class OrderWatch:
    """One process's listening connection and the requests waiting on orders."""

    def __init__(
        self, database_url: str, *, fallback_seconds: float = 1.0, retry_seconds: float = 2.0
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self.fallback_seconds = fallback_seconds
        self._retry_seconds = retry_seconds
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._connection: asyncpg.Connection | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()

    @property
    def listening(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    @contextlib.contextmanager
    def watching(self, order_id: uuid.UUID) -> Iterator[asyncio.Event]:
        """An event set when the order may have changed; register it before reading the
        order, so a change committed between the read and the wait is not missed."""
        key = str(order_id)
        changed = asyncio.Event()
        self._waiters.setdefault(key, set()).add(changed)
        try:
            yield changed
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(changed)
                if not waiters:
                    del self._waiters[key]

    async def wait(self, changed: asyncio.Event, seconds: float) -> None:
        """Until `changed` is set or `seconds` pass; while not listening, at most
        `fallback_seconds` (the caller re-reads the order and waits again)."""
        if seconds <= 0:
            return
        if not self.listening:
            seconds = min(seconds, self.fallback_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)

    def _wake(self, ids: Any) -> None:
        for key in ids:
            for changed in self._waiters.get(key, ()):
                changed.set()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._wake(payload.split(","))

    def _on_lost(self, _conn: Any) -> None:
        self._lost.set()

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            await connection.add_listener(CHANNEL, self._on_notify)
        except BaseException:
            await connection.close()
            raise
        connection.add_termination_listener(self._on_lost)
        self._lost.clear()
        self._connection = connection
        # Changes made while nobody listened were not announced: everyone re-reads.
        self._wake(list(self._waiters))

    async def _keep_listening(self) -> None:
        while True:
            if not self.listening:
                self._connection = None
                try:
                    await self._listen()
                    _logger.info("listening for order changes")
                except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                    _logger.warning("cannot listen for order changes yet", error=repr(exc))
                    await asyncio.sleep(self._retry_seconds)
                    continue
            await self._lost.wait()
            _logger.warning("lost the connection listening for order changes")

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        self._keeper = asyncio.create_task(self._keep_listening(), name="order-watch")
        try:
            yield
        finally:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._connection.close(), 5)
                self._connection = None
