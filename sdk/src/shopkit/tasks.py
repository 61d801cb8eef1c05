"""Background jobs that run beside a service's requests, started and stopped with its app.

A periodic job (an expiry sweeper, a retry loop) runs in every replica; it must therefore be
safe to run concurrently, typically by claiming rows with `FOR UPDATE SKIP LOCKED`. A failing
run is logged and the loop carries on at the next interval: one bad row never stops the job.
A job that must run in one place at a time (a reconciliation that asks other services) holds
`exclusive(session_maker, name)`, a PostgreSQL advisory lock, while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shopkit.transactions import unit_of_work

__all__ = ["Sweeper", "exclusive", "lock_key", "periodic"]

_logger = structlog.get_logger("shopkit.tasks")


def periodic(
    name: str, interval_seconds: float, job: Callable[[], Awaitable[Any]]
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A lifespan for `create_app(lifespan=[...])` that runs `job()` every `interval_seconds`."""
    if interval_seconds <= 0:
        raise ValueError(f"{name}: the interval must be positive")

    async def loop() -> None:
        while True:
            try:
                await job()
            except Exception:
                _logger.exception("periodic job failed; retrying at the next interval", job=name)
            await asyncio.sleep(interval_seconds)

    @asynccontextmanager
    async def lifespan(_app: Any = None) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


class Sweeper:
    """A periodic job that works through rows one at a time, in every replica: `step(session)`
    claims one row (`FOR UPDATE SKIP LOCKED`), handles it and returns it, or returns None when
    nothing is left. Each step runs in its own transaction, so replicas sweep side by side
    without handling a row twice, and a failure on one row does not undo the others; at most
    `batch` rows a round, then the next round comes after `interval_seconds`.

        Sweeper("order-checkout-timeout-sweeper", session_maker,
                lambda session: OrderService(session).cancel_one_expired(), 5.0,
                done="timed-out checkouts cancelled")
    """

    def __init__(
        self,
        name: str,
        session_maker: async_sessionmaker[AsyncSession],
        step: Callable[[AsyncSession], Awaitable[object | None]],
        interval_seconds: float,
        *,
        batch: int = 100,
        done: str = "rows swept",
    ) -> None:
        if batch < 1:
            raise ValueError(f"{name}: the batch must be at least 1")
        self.name = name
        self._session_maker = session_maker
        self._step = step
        self._interval = interval_seconds
        self._batch = batch
        self._done = done

    async def sweep(self) -> int:
        """One round: how many rows were handled."""
        handled = 0
        while handled < self._batch:
            async with unit_of_work(self._session_maker) as session:
                if await self._step(session) is None:
                    break
            handled += 1
        if handled:
            _logger.info(self._done, job=self.name, count=handled)
        return handled

    def lifespan(self) -> Callable[[Any], AbstractAsyncContextManager[None]]:
        """Sweep every interval for as long as the app runs."""
        return periodic(self.name, self._interval, self.sweep)


def lock_key(name: str) -> int:
    """The advisory lock key of `name`: a stable signed 64-bit number."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def exclusive(
    session_maker: async_sessionmaker[AsyncSession], name: str
) -> AsyncIterator[AsyncSession | None]:
    """Hold the PostgreSQL advisory lock `name` for the block, across every process and replica
    that shares the database: yields the session whose transaction holds it (read through it
    if you like; write in sessions of your own), or None at once when another holder has it.
    The lock ends with the block, or with the connection if the process dies."""
    async with session_maker() as session, session.begin():
        taken = await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name))))
        yield session if taken else None
