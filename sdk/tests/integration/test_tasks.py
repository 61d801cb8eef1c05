"""A periodic job runs while the app runs, survives a failing run, and stops with the app."""

from __future__ import annotations

import asyncio

import pytest
from shopkit.tasks import exclusive, lock_key, periodic
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

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
