"""A process's short memory: values kept for their seconds, the oldest dropped when full."""

from __future__ import annotations

import asyncio

import pytest
from shopkit.cache import LocalCache

pytestmark = pytest.mark.unit


async def test_a_value_is_loaded_once_within_its_seconds_then_again() -> None:
    cache = LocalCache(max_entries=4, ttl_seconds=0.2)
    loads: list[int] = []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    assert await cache.get_or_load("rates", load) == 1
    assert await cache.get_or_load("rates", load) == 1
    await asyncio.sleep(0.25)
    assert await cache.get_or_load("rates", load) == 2


def test_the_oldest_entries_go_first_when_full() -> None:
    cache = LocalCache(max_entries=2, ttl_seconds=60)
    for key in ("a", "b", "c"):
        cache.put(key, key.upper())
    assert [cache.get(key) for key in ("a", "b", "c")] == [None, "B", "C"]


def test_no_entries_means_nothing_is_kept() -> None:
    cache = LocalCache(max_entries=0, ttl_seconds=60)
    cache.put("a", 1)
    assert cache.get("a") is None


async def test_requests_missing_the_same_key_together_share_one_load() -> None:
    cache = LocalCache(max_entries=4, ttl_seconds=60)
    loads: list[int] = []

    async def slow_load() -> str:
        loads.append(1)
        await asyncio.sleep(0.05)
        return "results"

    answers = await asyncio.gather(*(cache.get_or_load("q", slow_load) for _ in range(20)))
    assert answers == ["results"] * 20
    assert loads == [1]


async def test_a_failed_load_fails_its_waiters_and_the_next_request_tries_again() -> None:
    cache = LocalCache(max_entries=4, ttl_seconds=60)
    attempts: list[int] = []

    async def flaky_load() -> str:
        attempts.append(1)
        await asyncio.sleep(0.01)
        if len(attempts) == 1:
            raise ConnectionError("index away")
        return "results"

    first = await asyncio.gather(
        *(cache.get_or_load("q", flaky_load) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(answer, ConnectionError) for answer in first)
    assert await cache.get_or_load("q", flaky_load) == "results"
    assert len(attempts) == 2


async def test_when_the_loading_request_goes_away_a_waiting_one_loads_for_itself() -> None:
    cache = LocalCache(max_entries=4, ttl_seconds=60)

    async def load() -> str:
        await asyncio.sleep(0.1)
        return "results"

    leaving = asyncio.create_task(cache.get_or_load("q", load))
    waiting = asyncio.create_task(cache.get_or_load("q", load))
    await asyncio.sleep(0.02)
    leaving.cancel()
    assert await waiting == "results"
