"""Rules decided before any I/O: what callers may send, what events inventory can read, and
the demo quantities."""

from __future__ import annotations

import msgspec
import pytest
from shopkit.errors import InvalidInputError

from inventory_service.domain.reservations.schemas import ReservationCreate
from inventory_service.domain.stock.controllers import parse_skus
from inventory_service.domain.stock.schemas import StockAdjustment, StockSet
from inventory_service.events.handlers import read_product, read_removed
from inventory_service.seed import demo_quantity

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("body", [b'{"on_hand": -1}', b'{"on_hand": 1.5}', b'{"on_hand": true}'])
def test_stock_on_hand_must_be_a_whole_non_negative_number(body: bytes) -> None:
    with pytest.raises(msgspec.ValidationError, match="on_hand"):
        msgspec.json.decode(body, type=StockSet)


def test_a_set_carries_only_what_was_sent() -> None:
    data = msgspec.json.decode(b'{"on_hand": 3}', type=StockSet)
    assert data.warehouse is msgspec.UNSET
    assert data.low_stock_threshold is msgspec.UNSET
    cleared = msgspec.json.decode(b'{"on_hand": 3, "low_stock_threshold": null}', type=StockSet)
    assert cleared.low_stock_threshold is None


def test_an_adjustment_needs_a_reason_and_refuses_unknown_fields() -> None:
    with pytest.raises(msgspec.ValidationError, match="reason"):
        msgspec.json.decode(b'{"delta": 2}', type=StockAdjustment)
    with pytest.raises(msgspec.ValidationError, match="colour"):
        msgspec.json.decode(b'{"delta": 2, "reason": "x", "colour": "red"}', type=StockAdjustment)


def test_a_reservation_needs_lines_of_positive_quantities() -> None:
    with pytest.raises(msgspec.ValidationError, match="lines"):
        msgspec.json.decode(b'{"order_id": "o", "lines": []}', type=ReservationCreate)
    with pytest.raises(msgspec.ValidationError, match="quantity"):
        msgspec.json.decode(
            b'{"order_id": "o", "lines": [{"sku": "A", "quantity": 0}]}', type=ReservationCreate
        )


def test_stream_skus_are_deduplicated_and_limited() -> None:
    assert parse_skus("A, B,A,,C", 50) == ["A", "B", "C"]
    with pytest.raises(InvalidInputError):
        parse_skus(",".join(f"S{n}" for n in range(51)), 50)
    with pytest.raises(InvalidInputError):
        parse_skus("", 50)


def test_product_events_are_read_tolerantly() -> None:
    snapshot = read_product(
        b'{"product_id": "p", "name": "Tee", "future_field": 1,'
        b' "variants": [{"sku": "A", "options": {"size": "M"}}, {"sku": "B"}]}'
    )
    assert snapshot.skus == ["A", "B"]
    assert read_removed(b'{"product_id": "p", "skus": ["A"], "deleted_at": "x"}').skus == ["A"]
    with pytest.raises(msgspec.ValidationError, match="product_id"):
        read_product(b'{"variants": []}')


def test_demo_quantities_are_stable_mostly_stocked_some_empty_some_low() -> None:
    quantities = [demo_quantity(f"SKU-{n}") for n in range(1000)]
    assert quantities == [demo_quantity(f"SKU-{n}") for n in range(1000)]
    assert all(0 <= q <= 60 for q in quantities)
    assert 20 <= quantities.count(0) <= 90
    assert 20 <= sum(1 <= q < 5 for q in quantities) <= 90
    assert sum(q >= 5 for q in quantities) >= 800
