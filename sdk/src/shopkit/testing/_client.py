"""The app under test, over HTTP in-process, with its lifespan (broker, relay) running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.testing import AsyncTestClient

__all__ = ["client_for"]


@asynccontextmanager
async def client_for(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """`async with client_for(create_app(settings)) as client:` — start-up and shut-down run."""
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client
