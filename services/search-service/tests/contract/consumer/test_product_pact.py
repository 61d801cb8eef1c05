"""search-service's pact with product-service: the four catalog events it indexes, and the
product list page `reindex` reads. One Pact object for the pair (a second would overwrite the
file), holding every interaction and written once, after our real code has exercised them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from envelopes import as_envelope, envelope_body
from pact import Pact, match
from shopkit.testing import find_pact_dir, pact_mock_server

from search_service.config import ProductServiceSettings
from search_service.events.consumed import (
    PriceChanged,
    ProductDeleted,
    ProductSnapshot,
    read_payload,
)
from search_service.reindex import CatalogClient, read_catalog

pytestmark = pytest.mark.contract

PRODUCER = "product-service"
PRICES = {
    "EUR": match.integer(9999),
    "USD": match.integer(10999),
    "GBP": match.integer(8599),
    "JPY": match.integer(16000),
}
CATEGORY = {"slug": match.like("headphones"), "name": match.like("Headphones")}


def snapshot(status: str) -> dict[str, Any]:
    """The product snapshot fields the index uses (contracts/events/README.md)."""
    return {
        "product_id": match.like("0193a0c4-1111-7000-8000-000000000001"),
        "slug": match.like("wireless-headphones"),
        "name": match.like("Wireless Headphones"),
        "description": match.like("Over-ear, noise cancelling."),
        "brand": match.like("Sonic"),
        "status": match.regex(status, regex=r"^(draft|active|archived)$"),
        "category": CATEGORY,
        "category_path": match.like(["electronics", "audio"]),
        "images": match.like(["https://img.shopkit.local/wireless-headphones.jpg"]),
        "variants": match.each_like({"sku": match.like("WH-1000-BLK"), "prices": PRICES}),
        "updated_at": match.like("2026-11-25T10:00:00.000000Z"),
    }


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = Pact("search-service", PRODUCER).with_specification("V4")
    describe_events(pact)
    describe_product_page(pact)
    yield pact
    folder = find_pact_dir()
    assert folder is not None, "no contracts/pacts folder above the working directory"
    pact.write_file(folder, overwrite=True)


def describe_events(pact: Pact) -> None:
    (
        pact.upon_receiving("a product.created event", "Async").with_body(
            envelope_body("product.created.v1", PRODUCER, snapshot("active")), "application/json"
        )
    )
    (
        pact.upon_receiving("a product.updated event", "Async").with_body(
            envelope_body("product.updated.v1", PRODUCER, snapshot("archived")),
            "application/json",
        )
    )
    (
        pact.upon_receiving("a product.deleted event", "Async").with_body(
            envelope_body(
                "product.deleted.v1",
                PRODUCER,
                {"product_id": match.like("0193a0c4-1111-7000-8000-000000000001")},
            ),
            "application/json",
        )
    )
    (
        pact.upon_receiving("a price.changed event", "Async").with_body(
            envelope_body(
                "price.changed.v1",
                PRODUCER,
                {
                    "product_id": match.like("0193a0c4-1111-7000-8000-000000000001"),
                    "sku": match.like("WH-1000-BLK"),
                    "prices": PRICES,
                },
            ),
            "application/json",
        )
    )


def describe_product_page(pact: Pact) -> None:
    item = {
        "id": match.like("0193a0c4-1111-7000-8000-000000000001"),
        "slug": match.like("wireless-headphones"),
        "name": match.like("Wireless Headphones"),
        "description": match.like("Over-ear, noise cancelling."),
        "brand": match.like("Sonic"),
        "category": CATEGORY,
        "category_path": match.like(["electronics", "audio"]),
        "images": match.like(["https://img.shopkit.local/wireless-headphones.jpg"]),
        "variants": match.each_like({"sku": match.like("WH-1000-BLK"), "prices": PRICES}),
        "created_at": match.like("2026-11-20T09:00:00.000000Z"),
        "updated_at": match.like("2026-11-25T10:00:00.000000Z"),
    }
    (
        pact.upon_receiving("a request for a page of active products")
        .given("active products exist")
        .with_request("GET", "/api/products")
        .with_query_parameter("limit", "100")
        .with_query_parameter("offset", "0")
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(item),
                "total": match.integer(1),
                "limit": match.integer(100),
                "offset": match.integer(0),
            },
            "application/json",
        )
    )


def test_catalog_events_are_read_by_our_real_decoding(pact: Pact) -> None:
    seen: list[str] = []

    def handle(body: str | bytes | None, metadata: dict[str, object]) -> None:
        del metadata
        envelope = as_envelope(body)
        payload = read_payload(envelope)
        seen.append(envelope.type)
        if isinstance(payload, ProductSnapshot):
            document = payload.to_document()
            assert document.category_path[-1] == "headphones"
            assert document.variants[0].prices["JPY"] == 16000
        elif isinstance(payload, PriceChanged):
            assert set(payload.prices) == {"EUR", "USD", "GBP", "JPY"}
        else:
            assert isinstance(payload, ProductDeleted)

    pact.verify(handle, "Async")
    assert sorted(seen) == [
        "price.changed.v1",
        "product.created.v1",
        "product.deleted.v1",
        "product.updated.v1",
    ]


async def test_reindex_reads_pages_of_active_products(pact: Pact) -> None:
    with pact_mock_server(pact) as url:
        client = CatalogClient(ProductServiceSettings(url=url, page_size=100))
        try:
            products = await read_catalog(client)
        finally:
            await client.aclose()
    assert [p.name for p in products] == ["Wireless Headphones"]
    assert products[0].category_path == ("electronics", "audio", "headphones")
    assert products[0].variants[0].prices["EUR"] == 9999
