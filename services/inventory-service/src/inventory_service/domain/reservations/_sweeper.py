"""Releases reservations whose time is up, in the background of every replica.

Each expired reservation is claimed with `FOR UPDATE SKIP LOCKED` and released in its own
transaction, so several replicas sweep side by side without releasing anything twice and a
failure on one reservation does not hold back the others.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import structlog
from shopkit.tasks import periodic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory_service.domain.reservations.services import ReservationService

_logger = structlog.get_logger("inventory_service.sweeper")
BATCH = 100


class ReservationSweeper:
    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        services: Callable[[AsyncSession], ReservationService],
        interval_seconds: float,
    ) -> None:
        self._session_maker = session_maker
        self._services = services
        self._interval = interval_seconds

    async def sweep(self) -> int:
        """Release every reservation that has expired by now (up to a batch); how many."""
        released = 0
        while released < BATCH:
            async with self._session_maker() as session, session.begin():
                if await self._services(session).release_expired() is None:
                    break
            released += 1
        if released:
            _logger.info("expired reservations released", count=released)
        return released

    def lifespan(self) -> Callable[[Any], AbstractAsyncContextManager[None]]:
        """Sweep every interval for as long as the app runs."""
        return periodic("inventory-reservation-sweeper", self._interval, self.sweep)
