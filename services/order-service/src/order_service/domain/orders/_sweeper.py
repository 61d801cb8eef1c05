"""Cancels checkouts that ran out of time, in the background of every replica.

Each timed-out order is claimed with `FOR UPDATE SKIP LOCKED` and cancelled in its own
transaction (with its `order.cancelled.v1`), so replicas sweep side by side without cancelling
anything twice, and a failure on one order does not hold back the others.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import structlog
from shopkit.tasks import periodic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from order_service.domain.orders.services import OrderService

_logger = structlog.get_logger("order_service.sweeper")
BATCH = 100


class CheckoutTimeoutSweeper:
    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        services: Callable[[AsyncSession], OrderService],
        interval_seconds: float,
    ) -> None:
        self._session_maker = session_maker
        self._services = services
        self._interval = interval_seconds

    async def sweep(self) -> int:
        """Cancel every order whose checkout time is up (up to a batch); how many."""
        cancelled = 0
        while cancelled < BATCH:
            async with self._session_maker() as session, session.begin():
                if await self._services(session).cancel_one_expired() is None:
                    break
            cancelled += 1
        if cancelled:
            _logger.info("timed-out checkouts cancelled", count=cancelled)
        return cancelled

    def lifespan(self) -> Callable[[Any], AbstractAsyncContextManager[None]]:
        """Sweep every interval for as long as the app runs."""
        return periodic("order-checkout-timeout-sweeper", self._interval, self.sweep)
