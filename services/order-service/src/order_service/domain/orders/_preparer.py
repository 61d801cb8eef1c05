"""Creates the payment of each order placed while payment-service was away, in the background
of every replica.

Checkout stores an order without its payment when payment-service cannot be reached (the
customer is not turned away for it); this creates the payment as soon as payment-service answers
again, with the order's own Idempotency-Key (payment-service returns the same payment if the
first call had reached it after all), and notes it in the order's history, which wakes the
client following the order. Each order is claimed with `FOR UPDATE SKIP LOCKED` in its own
transaction, so replicas prepare side by side. A checkout that stored such an order wakes the
preparer of its process; otherwise it looks every `interval_seconds`, and every
`retry_seconds` while orders are still waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from shopkit.http import ServiceUnavailable
from shopkit.money import Money
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from order_service.domain.orders._upstream import Upstreams
from order_service.domain.orders.services import OrderService

_logger = structlog.get_logger("order_service.payment_preparer")
BATCH = 100


class PaymentPreparer:
    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        services: Callable[[AsyncSession], OrderService],
        upstreams: Upstreams,
        *,
        interval_seconds: float,
        retry_seconds: float = 1.0,
    ) -> None:
        self._session_maker = session_maker
        self._services = services
        self._upstreams = upstreams
        self._interval = interval_seconds
        self._retry = retry_seconds
        self._wakeup = asyncio.Event()
        self.waiting = False  # orders were left without a payment in the last round

    def wake(self) -> None:
        """An order was just stored without its payment: try at the next retry."""
        self._wakeup.set()

    async def prepare(self) -> int:
        """Create the payment of every order still without one (up to a batch) while
        payment-service answers; how many got theirs."""
        prepared = 0
        self.waiting = False
        while prepared < BATCH:
            async with self._session_maker() as session, session.begin():
                orders = self._services(session)
                order = await orders.claim_one_without_payment()
                if order is None:
                    break
                try:
                    payment_id = await self._upstreams.create_payment(
                        order.id,
                        order.customer_id,
                        Money(order.total, order.currency),
                        order.idempotency_key,
                    )
                except ServiceUnavailable:
                    self.waiting = True
                    break
                orders.attach_payment(order, payment_id)
            prepared += 1
        if prepared:
            _logger.info("payments created for orders placed without them", count=prepared)
        return prepared

    async def _run(self) -> None:
        while True:
            try:
                await self.prepare()
            except Exception:
                self.waiting = True
                _logger.exception("preparing payments failed; will try again")
            self._wakeup.clear()
            delay = self._retry if self.waiting else self._interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
                await asyncio.sleep(self._retry)  # woken: payment-service just failed a call

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        task = asyncio.create_task(self._run(), name="order-payment-preparer")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
