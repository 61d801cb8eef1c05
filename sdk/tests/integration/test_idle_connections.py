"""A pooled connection PostgreSQL dropped while it sat idle never fails a request.

`shopkit.db` pings a connection on checkout only when it was idle for a while (instead of
SQLAlchemy's `pool_pre_ping` on every checkout); these tests kill the backend of a pooled
connection, as a PostgreSQL restart does, and check what the next user of the pool sees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from shopkit import db
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    db.watch_idle_connections(engine)
    yield engine
    await engine.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(database_url: str, pid: int) -> None:
    """Terminate one backend from a connection of its own, as a restart would."""
    killer = create_async_engine(database_url, poolclass=NullPool)
    async with killer.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await killer.dispose()


async def test_a_connection_killed_while_idle_is_replaced_without_an_error(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = await _backend_pid(engine)
    await _kill(database_url, killed)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had sat idle

    assert await _backend_pid(engine) != killed  # answered, on a new connection


async def test_a_connection_back_within_the_idle_window_is_not_pinged(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counterpart (and proof that the check above is what saved the request): within the
    window the pool hands the dead connection out unchecked; SQLAlchemy sees the disconnect
    on use and the next checkout connects afresh."""
    killed = await _backend_pid(engine)
    await _kill(database_url, killed)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)

    with pytest.raises(DBAPIError):
        await _backend_pid(engine)
    assert await _backend_pid(engine) != killed
