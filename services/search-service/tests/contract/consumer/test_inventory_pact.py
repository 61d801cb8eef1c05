"""search-service's pact with inventory-service: the stock event that drives `in_stock`."""

from __future__ import annotations

import pytest
from envelopes import as_envelope, envelope_body
from pact import Pact, match
from shopkit.testing import find_pact_dir

from search_service.events.consumed import StockChanged, read_payload

pytestmark = pytest.mark.contract


def test_stock_changes_are_read_by_our_real_decoding() -> None:
    pact = Pact("search-service", "inventory-service").with_specification("V4")
    (
        pact.upon_receiving("an inventory.stock_changed event", "Async").with_body(
            envelope_body(
                "inventory.stock_changed.v1",
                "inventory-service",
                {
                    "sku": match.like("WH-1000-BLK"),
                    "available": match.integer(7),
                    "changed_at": match.like("2026-11-25T10:00:00.000000Z"),
                },
            ),
            "application/json",
        )
    )
    received: list[StockChanged] = []

    def handle(body: str | bytes | None, metadata: dict[str, object]) -> None:
        del metadata
        payload = read_payload(as_envelope(body))
        assert isinstance(payload, StockChanged)
        received.append(payload)

    pact.verify(handle, "Async")
    assert [(s.sku, s.available) for s in received] == [("WH-1000-BLK", 7)]
    folder = find_pact_dir()
    assert folder is not None, "no contracts/pacts folder above the working directory"
    pact.write_file(folder, overwrite=True)
