"""Sends queued messages and retries failed ones, in the background of every replica.

Each message is claimed with `FOR UPDATE SKIP LOCKED` and marked `sending` in one transaction,
sent, and its outcome recorded in another, so replicas send side by side without sending
anything twice, and one failing address does not hold back the others. The outcome is recorded
however long the database takes to come back (a message sent but not recorded as sent would go
out again when its lease ends). A failed message waits base x 2^(attempts-1) seconds before
its next try, up to `NOTIFY_MAX_ATTEMPTS` tries; then it stays `failed` in the delivery log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notification_service.domain.notifications._channels import Channels
from notification_service.domain.notifications.services import Claimed, NotificationService

_logger = structlog.get_logger("notification_service.dispatcher")
BATCH = 100
RECORD_PAUSE_SECONDS = 0.1  # first pause before asking the database again (doubling, up to 2 s)


class Dispatcher:
    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        services: Callable[[AsyncSession], NotificationService],
        channels: Callable[[], Channels],
        interval_seconds: float,
    ) -> None:
        self._session_maker = session_maker
        self._services = services
        self._make_channels = channels
        self._interval = interval_seconds
        self._channels: Channels | None = None
        self._task: asyncio.Task[None] | None = None

    async def dispatch_due(self) -> int:
        """Try every message due by now (up to a batch); how many were tried."""
        if self._channels is None:
            self._channels = self._make_channels()
        channels = self._channels
        tried = 0
        while tried < BATCH:
            async with self._session_maker() as session, session.begin():
                claimed = await self._services(session).claim_next_due(channels)
            if claimed is None:
                break
            try:
                await channels.sender(claimed.channel).send(claimed.message)
            except Exception as exc:
                await self._record(claimed, str(exc)[:1000] or type(exc).__name__)
            else:
                await self._record(claimed, None)
            tried += 1
        return tried

    async def _record(self, claimed: Claimed, error: str | None) -> None:
        pause = RECORD_PAUSE_SECONDS
        while True:
            try:
                async with self._session_maker() as session, session.begin():
                    await self._services(session).record_outcome(claimed, error)
                return
            except (SQLAlchemyError, OSError) as exc:
                _logger.warning(
                    "the outcome of a message is not recorded yet; asking again",
                    delivery_id=str(claimed.id),
                    sent=error is None,
                    error=type(exc).__name__,
                )
                await asyncio.sleep(pause)
                pause = min(2.0, pause * 2)

    async def _run(self) -> None:
        while True:
            try:
                await self.dispatch_due()
            except Exception:
                _logger.exception("dispatching messages failed; will try again")
            await asyncio.sleep(self._interval)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        self._channels = self._make_channels()
        self._task = asyncio.create_task(self._run(), name="notification-dispatcher")
        try:
            yield
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self._channels.aclose()
            self._channels = None
