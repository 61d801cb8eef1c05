"""Database fixtures for the messaging tests: outbox, inbox and a side-effect table.

Import the fixture functions (`msg_fixtures`) into a test module; they register under the
names `msg_engine` and `session_maker`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

side_effects_metadata = MetaData()
side_effects = Table(
    "msg_test_side_effects",
    side_effects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
)


@pytest_asyncio.fixture(scope="session", name="msg_engine")
async def msg_engine_fixture(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(
            OutboxMessage.metadata.create_all,
            tables=[OutboxMessage.__table__, InboxMessage.__table__],
        )
        await conn.run_sync(side_effects_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(name="session_maker")
async def session_maker_fixture(msg_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Empty tables for each test."""
    async with msg_engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE shopkit_outbox, shopkit_inbox, msg_test_side_effects RESTART IDENTITY")
        )
    return async_sessionmaker(msg_engine, expire_on_commit=False)
