"""Sends queued messages and retries failed ones, in the background of every replica.

Each message is claimed with `FOR UPDATE SKIP LOCKED` and sent in its own transaction, so
replicas send side by side without sending anything twice, and one failing address does not
hold back the others. A failed message waits base x 2^(attempts-1) seconds before its next
try, up to `NOTIFY_MAX_ATTEMPTS` tries; then it stays `failed` in the delivery log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notification_service.domain.notifications._channels import Channels
from notification_service.domain.notifications.services import NotificationService

_logger = structlog.get_logger("notification_service.dispatcher")
BATCH = 100


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
        tried = 0
        while tried < BATCH:
            async with self._session_maker() as session, session.begin():
                if await self._services(session).send_next_due(self._channels) is None:
                    break
            tried += 1
        return tried

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
