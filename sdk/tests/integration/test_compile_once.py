"""`shopkit.db.compile_once`: a PostgreSQL `INSERT ... ON CONFLICT` that SQLAlchemy 2.0 would
compile on every execution is compiled once and then served from the statement cache, and it
still does what the statement it came from says (conflict target, condition, column types,
literal values, RETURNING).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from shopkit.db import compile_once
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    event,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator


class Lowered(TypeDecorator[str]):
    """A type with bind processing: what it stores is lowercased."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else value.lower()


metadata = MetaData()
counts = Table(
    "compile_once_counts",
    metadata,
    Column("sku", Lowered(32), primary_key=True),
    Column("available", Integer, nullable=False),
    Column("source", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

_values = insert(counts).values(
    sku=bindparam("sku"),
    available=bindparam("available"),
    source="event",
    changed_at=bindparam("changed_at"),
)
UPSERT = compile_once(
    _values.on_conflict_do_update(
        index_elements=[counts.c.sku],
        set_={"available": _values.excluded.available, "changed_at": _values.excluded.changed_at},
        where=counts.c.changed_at <= _values.excluded.changed_at,
    ).returning(counts.c.sku)
)


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await engine.dispose()


async def test_the_statement_keeps_its_meaning(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        first = await conn.scalar(UPSERT, {"sku": "SKU-A", "available": 5, "changed_at": now})
        newer = {"sku": "SKU-A", "available": 3, "changed_at": now + timedelta(seconds=1)}
        second = await conn.scalar(UPSERT, newer)
        older = {"sku": "SKU-A", "available": 9, "changed_at": now - timedelta(seconds=1)}
        stale = await conn.scalar(UPSERT, older)
        row = (await conn.execute(select(counts))).one()
    assert (first, second, stale) == ("sku-a", "sku-a", None)
    assert (row.sku, row.available, row.source) == ("sku-a", 3, "event")


async def test_it_is_compiled_once(engine: AsyncEngine) -> None:
    outcomes: list[object] = []

    def record(*args: Any) -> None:
        context: DefaultExecutionContext = args[4]
        outcomes.append(context.cache_hit)

    event.listen(engine.sync_engine, "after_cursor_execute", record)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for n in range(3):
            params = {"sku": f"sku-{n}", "available": n, "changed_at": now}
            await conn.execute(UPSERT, params)
    hits = [str(outcome) for outcome in outcomes]
    assert hits == ["CacheStats.CACHE_MISS", "CacheStats.CACHE_HIT", "CacheStats.CACHE_HIT"]


async def test_a_cast_parameter_and_a_plain_default_are_kept(engine: AsyncEngine) -> None:
    with_ids = Table(
        "compile_once_ids",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("status", String(16), nullable=False, default="queued"),
    )
    statement = compile_once(
        insert(with_ids).values(id=bindparam("id")).returning(with_ids.c.id, with_ids.c.status)
    )
    row_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.run_sync(with_ids.metadata.create_all)
        try:
            row = (await conn.execute(statement, {"id": row_id})).one()
        finally:
            await conn.run_sync(with_ids.metadata.drop_all)
    assert (row[0], row[1]) == (row_id, "queued")


def test_a_default_computed_in_python_must_be_given() -> None:
    stamped = Table(
        "compile_once_stamped",
        MetaData(),
        Column("sku", String(32), primary_key=True),
        Column("seen_at", DateTime(timezone=True), default=lambda: datetime.now(UTC)),
    )
    with pytest.raises(ValueError, match="give seen_at a value"):
        compile_once(insert(stamped).values(sku=bindparam("sku")).on_conflict_do_nothing())
