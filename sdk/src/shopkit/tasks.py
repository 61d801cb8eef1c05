"""Background jobs that run beside a service's requests, started and stopped with its app.

A periodic job (an expiry sweeper, a retry loop) runs in every replica; it must therefore be
safe to run concurrently, typically by claiming rows with `FOR UPDATE SKIP LOCKED`. A failing
run is logged and the loop carries on at the next interval: one bad row never stops the job.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import structlog

__all__ = ["periodic"]

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
