"""A periodic job runs while the app runs, survives a failing run, and stops with the app."""

from __future__ import annotations

import asyncio

import pytest
from shopkit.tasks import periodic

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
