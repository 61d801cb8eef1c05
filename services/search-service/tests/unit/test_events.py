"""Our tolerant readers of the catalog and stock events (contracts/events/README.md)."""

from datetime import UTC, datetime

import msgspec
import pytest
from shopkit.messaging import Envelope, new_event_id

from search_service.events.consumed import ProductSnapshot, read_payload

pytestmark = pytest.mark.unit

SNAPSHOT = {
    "product_id": "p1",
    "slug": "wireless-headphones",
    "name": "Wireless Headphones",
    "description": "Over-ear.",
    "brand": "Sonic",
    "status": "active",
    "category": {"id": "c1", "slug": "headphones", "name": "Headphones"},
    "category_path": ["electronics", "audio"],
    "images": ["https://img/1.jpg", "https://img/2.jpg"],
    "attributes": {"colour": "black"},
    "variants": [
        {
            "sku": "A",
            "options": {},
            "base_price": {"amount": 1, "currency": "EUR"},
            "prices": {"EUR": 9999, "JPY": 16000},
        },
        {
            "sku": "B",
            "options": {},
            "base_price": {"amount": 1, "currency": "EUR"},
            "prices": {"EUR": 8999, "JPY": 17000},
        },
    ],
    "base_currency": "EUR",
    "updated_at": "2026-11-01T12:00:00Z",
    "a_field_added_later": {"ignored": True},
}


def envelope(event_type: str, payload: dict[str, object]) -> Envelope:
    return Envelope(
        id=new_event_id(),
        type=event_type,
        version=1,
        occurred_at=datetime.now(UTC),
        producer="product-service",
        payload=msgspec.Raw(msgspec.json.encode(payload)),
    )


def test_a_snapshot_becomes_the_indexed_document() -> None:
    snapshot = read_payload(envelope("product.created.v1", SNAPSHOT))
    assert isinstance(snapshot, ProductSnapshot)
    document = snapshot.to_document()
    assert document.category_path == ("electronics", "audio", "headphones")
    assert document.image == "https://img/1.jpg"
    assert document.skus == ["A", "B"]
    assert document.created_at == document.updated_at == datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_a_path_that_already_ends_with_the_category_is_not_doubled() -> None:
    payload = {**SNAPSHOT, "category_path": ["electronics", "audio", "headphones"]}
    document = read_payload(envelope("product.updated.v1", payload)).to_document()  # type: ignore[attr-defined]
    assert document.category_path == ("electronics", "audio", "headphones")


def test_a_payload_missing_what_the_index_needs_is_refused() -> None:
    payload = {k: v for k, v in SNAPSHOT.items() if k != "variants"}
    with pytest.raises(msgspec.ValidationError, match="variants"):
        read_payload(envelope("product.created.v1", payload))


def test_an_event_type_we_do_not_read_is_refused() -> None:
    with pytest.raises(ValueError, match="does not consume"):
        read_payload(envelope("order.placed.v1", {}))
