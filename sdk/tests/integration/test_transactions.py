"""The request's unit of work: a successful answer's writes are committed before it is sent
(no handler commits), a commit that fails is the answer, and work registered with
`after_commit` runs once the write is durable and never after a rollback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _app_support import create_app
from litestar import Litestar, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from shopkit.config import DatabaseSettings, ServiceSettings
from shopkit.db import sqlalchemy_config
from shopkit.testing import client_for
from shopkit.transactions import after_commit, unit_of_work
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

pytestmark = pytest.mark.integration

happened: list[str] = []


@post("/notes/{note:str}", operation_id="addNote", security=[{}])
async def add_note(db_session: NamedDependency[AsyncSession], note: FromPath[str]) -> str:
    await db_session.execute(text("INSERT INTO tx_notes (note) VALUES (:note)"), {"note": note})

    async def announce() -> None:
        visible = await _count(note)  # from another connection: the write is durable
        happened.append(f"{note} seen by others: {visible}")

    after_commit(db_session, announce)
    if note.startswith("refused"):
        raise ValueError("refused after writing")
    return note


async def _count(note: str) -> int:
    engine = create_async_engine(_URL[0])
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text("SELECT count(*) FROM tx_notes WHERE note = :note"), {"note": note}
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()


_URL: list[str] = []


@pytest.fixture
async def notes(database_url: str) -> AsyncIterator[AsyncEngine]:
    _URL[:] = [database_url]
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS tx_notes"))
        # Checked at COMMIT, not at INSERT: the failure only the commit can see.
        await connection.execute(
            text("CREATE TABLE tx_notes (note text UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        )
    happened.clear()
    yield engine
    await engine.dispose()


def _app(database_url: str) -> Litestar:
    return create_app(
        service=ServiceSettings(name="tx-sample"),
        route_handlers=[add_note],
        database=sqlalchemy_config(DatabaseSettings(url=database_url)),
    )


async def test_a_write_is_committed_before_its_answer_and_then_its_after_work_runs(
    notes: AsyncEngine, database_url: str
) -> None:
    async with client_for(_app(database_url)) as client:
        answer = await client.post("/notes/first")
        assert answer.status_code == 201, answer.text
        assert happened == ["first seen by others: 1"]


async def test_a_commit_that_fails_is_the_answer_and_its_after_work_never_runs(
    notes: AsyncEngine, database_url: str
) -> None:
    async with client_for(_app(database_url)) as client:
        assert (await client.post("/notes/twice")).status_code == 201
        again = await client.post("/notes/twice")  # the duplicate only COMMIT finds
        assert again.status_code == 409, again.text  # the client hears of it: never a 201
        assert again.headers["content-type"].startswith("application/problem+json")
        refused = await client.post("/notes/refused-1")
        assert refused.status_code == 500
    assert happened == ["twice seen by others: 1"]
    assert await _count("refused-1") == 0


async def test_work_outside_a_request_runs_its_after_work_only_when_committed(
    notes: AsyncEngine,
) -> None:
    """An event handled or a row swept (`unit_of_work`) keeps the same promise."""
    sessions = async_sessionmaker(notes, expire_on_commit=False)
    async with unit_of_work(sessions) as session:
        await session.execute(text("INSERT INTO tx_notes (note) VALUES ('swept')"))
        after_commit(session, lambda: _seen("swept"))
    with pytest.raises(RuntimeError):
        await _fail_after_writing(sessions)
    assert happened == ["swept seen by others: 1"]
    assert await _count("dropped") == 0


async def _fail_after_writing(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(sessions) as session:
        await session.execute(text("INSERT INTO tx_notes (note) VALUES ('dropped')"))
        after_commit(session, lambda: _seen("dropped"))
        raise RuntimeError("the handler failed")


async def _seen(note: str) -> None:
    happened.append(f"{note} seen by others: {await _count(note)}")
