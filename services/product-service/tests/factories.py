"""Bodies and helpers the tests share (a plain module: `tests/` is on the path)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from shopkit.testing import EventCollector

Json = dict[str, Any]


async def event_matching(
    collector: EventCollector, predicate: Callable[[dict[str, Any]], bool], tries: int = 200
) -> dict[str, Any]:
    """The first event whose payload satisfies `predicate` (earlier tests' events may arrive
    first on the same exchange); fails when none comes."""
    for _ in range(tries):
        received = await collector.next(timeout=5)
        payload: dict[str, Any] = msgspec.json.decode(received.envelope.payload)
        if predicate(payload):
            assert received.envelope.producer == "product-service"
            return payload
    pytest.fail("the expected event never arrived")


def unique(hint: str) -> str:
    return f"{hint}-{uuid.uuid4().hex[:8]}"


def product_body(category_id: str, /, **changes: Any) -> Json:
    """A valid product: two SKUs, the second with an explicit JPY price."""
    sku = unique("SKU").upper()
    body: Json = {
        "name": "Test Wireless Headphones",
        "slug": unique("test-headphones"),
        "category_id": category_id,
        "brand": "Acme",
        "description": "Closed-back, 30 h battery.",
        "status": "active",
        "images": ["https://img.shopkit.dev/p/1.jpg"],
        "attributes": {"connectivity": "bluetooth"},
        "variants": [
            {
                "sku": f"{sku}-BLK",
                "options": {"colour": "black"},
                "base_price": {"amount": 1299, "currency": "EUR"},
            },
            {
                "sku": f"{sku}-WHT",
                "options": {"colour": "white"},
                "base_price": {"amount": 1499, "currency": "EUR"},
                "prices": {"JPY": 2500},
            },
        ],
    }
    body.update(changes)
    return body
