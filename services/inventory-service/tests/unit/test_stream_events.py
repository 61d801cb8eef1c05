"""What one open stream sends, decided without I/O: current values first, changes only when
they change, keep-alives, and an end after its maximum lifetime."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inventory_service.domain.stock._live import StockFeed
from inventory_service.domain.stock.controllers import availability_events
from inventory_service.domain.stock.schemas import Availability

pytestmark = pytest.mark.unit


async def test_a_stream_sends_changes_once_and_ends_after_its_lifetime() -> None:
    feed = StockFeed(client=Any, channel="unused")  # type: ignore[arg-type]
    subscription = feed.subscribe(["A"])
    for update in (Availability("A", 5), Availability("A", 4), Availability("A", 4)):
        subscription.offer(update)
    events = availability_events(feed, subscription, {"A": 5}, heartbeat=0.05, max_seconds=0.3)

    received = [message async for message in events]
    data = [m.data for m in received if m.data is not None]
    assert data == ['{"sku":"A","available":5}', '{"sku":"A","available":4}']
    assert any(m.comment == "keep-alive" for m in received)
    assert feed.watchers == 0  # unsubscribed when the stream ended


async def test_a_stream_ends_when_its_replica_shuts_down() -> None:
    feed = StockFeed(client=Any, channel="unused")  # type: ignore[arg-type]
    subscription = feed.subscribe(["A"])
    subscription.offer(None)
    events = availability_events(feed, subscription, {}, heartbeat=5, max_seconds=60)
    assert [m async for m in events] == []
    await asyncio.sleep(0)
    assert feed.watchers == 0
