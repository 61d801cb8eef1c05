"""A periodic job runs while the app runs, survives a failing run, and stops with the app."""

from __future__ import annotations

import asyncio

import pytest
from shopkit.tasks import Sweeper, exclusive, lock_key, periodic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

pytestmark = pytest.mark.integration


async def test_the_job_repeats_survives_failures_and_stops_with_the_lifespan() -> None:
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("one bad run")

    async with periodic("test-job", 0.01, job)():
        for _ in range(200):
            if len(runs) >= 4:
                break
            await asyncio.sleep(0.01)
    assert len(runs) >= 4  # the failing second run did not end the loop
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at


def test_a_non_positive_interval_is_refused() -> None:
    async def job() -> None:
        return None

    with pytest.raises(ValueError, match="interval"):
        periodic("bad", 0, job)


async def test_an_exclusive_job_runs_in_one_place_at_a_time(database_url: str) -> None:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine)
    try:
        async with exclusive(sessions, "test-reconciliation") as first:
            assert first is not None
            async with exclusive(sessions, "test-reconciliation") as second:
                assert second is None  # another replica is running it
            async with exclusive(sessions, "test-another-job") as other:
                assert other is not None  # a job of another name is not held up
        async with exclusive(sessions, "test-reconciliation") as again:
            assert again is not None  # released with the block
    finally:
        await engine.dispose()
    assert lock_key("test-reconciliation") == lock_key("test-reconciliation")
    assert -(2**63) <= lock_key("x") < 2**63


async def test_a_sweeper_handles_rows_one_transaction_each_up_to_a_batch(database_url: str) -> None:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS sweep_demo"))
        await connection.execute(
            text("CREATE TABLE sweep_demo (id int PRIMARY KEY, done bool NOT NULL DEFAULT false)")
        )
        await connection.execute(text("INSERT INTO sweep_demo (id) SELECT generate_series(1, 5)"))

    async def step(session: AsyncSession) -> int | None:
        claimed = await session.scalar(
            text(
                "SELECT id FROM sweep_demo WHERE NOT done ORDER BY id LIMIT 1"
                " FOR UPDATE SKIP LOCKED"
            )
        )
        if claimed == 4:
            raise RuntimeError("one bad row")  # its transaction is undone, the others stay
        if claimed is not None:
            await session.execute(
                text("UPDATE sweep_demo SET done = true WHERE id = :id"), {"id": claimed}
            )
        return claimed

    sweeper = Sweeper("test-sweeper", sessions, step, 60, batch=2)
    try:
        assert await sweeper.sweep() == 2  # a batch
        with pytest.raises(RuntimeError):
            await sweeper.sweep()  # row 3 done, then row 4 fails
        async with sessions() as session:
            done = (
                await session.scalars(text("SELECT id FROM sweep_demo WHERE done ORDER BY id"))
            ).all()
        assert list(done) == [1, 2, 3]
    finally:
        await engine.dispose()
    with pytest.raises(ValueError, match="batch"):
        Sweeper("bad", sessions, step, 60, batch=0)
