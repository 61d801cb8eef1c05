"""inventory-service's pact with product-service, in one pact file,
`contracts/pacts/inventory-service-product-service.json`, which product-service verifies:

- the catalog events its handlers read (the envelope as delivered, and in its payload the
  product id, each variant's SKU, the product's status and the snapshot's `updated_at`, or the
  deleted product's SKUs);
- the page of active products the demo-stock seed reads (`seed.active_skus`): each item's status
  and its variants' SKUs, and the page's total, limit and offset.

One Pact object for the pair (a second would overwrite the file), holding every interaction and
written once, after our real code has exercised them."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from pact import Pact, match
from shopkit.http import ServiceClient
from shopkit.messaging import decode_envelope, payload_as
from shopkit.testing import event_envelope, find_pact_dir, pact_mock_server

from inventory_service.events.handlers import ProductRemoved, ProductSnapshot
from inventory_service.seed import PAGE_SIZE, active_skus

pytestmark = pytest.mark.contract

PRODUCER = "product-service"
PRODUCT_ID = "0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f00"
SKU = "TEE-RED-M"


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = Pact("inventory-service", PRODUCER).with_specification("V4")
    describe_events(pact)
    describe_product_page(pact)
    yield pact
    folder = find_pact_dir()
    assert folder is not None, "run from inside the repository (or set PACT_DIR)"
    pact.write_file(folder, overwrite=True)


# --- the catalog events the handlers consume ------------------------------------------------


SNAPSHOT = {
    "product_id": match.str(PRODUCT_ID),
    "variants": match.each_like({"sku": match.str(SKU)}, min=1),
    # Whether the public may read the SKUs' stock, and the snapshot's time (a late one loses).
    "status": match.regex("active", regex=r"^(draft|active|archived)$"),
    "updated_at": match.regex(
        "2026-11-25T10:00:00.000000Z",
        regex=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
    ),
}
DELETED = {
    "product_id": match.str(PRODUCT_ID),
    "skus": match.each_like(match.str(SKU), min=1),
}
READERS: dict[str, type[msgspec.Struct]] = {
    "product.created.v1": ProductSnapshot,
    "product.updated.v1": ProductSnapshot,
    "product.deleted.v1": ProductRemoved,
}


def describe_events(pact: Pact) -> None:
    for description, event_type, payload in (
        ("a product.created event", "product.created.v1", SNAPSHOT),
        ("a product.updated event", "product.updated.v1", SNAPSHOT),
        ("a product.deleted event", "product.deleted.v1", DELETED),
    ):
        pact.upon_receiving(description, "Async").with_body(
            event_envelope(event_type, PRODUCER, payload), "application/json"
        )


def read_as_the_handlers_do(body: str | bytes | None, _metadata: dict[str, object]) -> None:
    """What a delivery goes through: the envelope decoded, its payload read by the handler's
    own Struct (`payload_as`), and the SKUs the handler acts on present."""
    assert body is not None
    delivered = decode_envelope(body.encode() if isinstance(body, str) else body)
    read = payload_as(delivered, READERS[delivered.type])
    skus = read.skus if isinstance(read, ProductSnapshot | ProductRemoved) else []
    assert delivered.id
    assert read.product_id
    assert skus
    assert all(skus)
    if isinstance(read, ProductSnapshot):
        assert read.status in ("draft", "active", "archived")
        assert read.updated_at is not None


def test_product_events_carry_what_inventory_reads(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")


# --- the product list page the seed reads ---------------------------------------------------


def describe_product_page(pact: Pact) -> None:
    """Only what `active_skus` reads: each item's status and its variants' SKUs (list items have
    the detail's shape, so no detail call is needed), and the paging fields."""
    item = {
        "status": match.regex("active", regex=r"^(draft|active|archived)$"),
        "variants": match.each_like({"sku": match.str(SKU)}, min=1),
    }
    (
        pact.upon_receiving("a request for a page of active products")
        .given("active products exist")
        .with_request("GET", "/api/products")
        .with_query_parameter("limit", str(PAGE_SIZE))
        .with_query_parameter("offset", "0")
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(item, min=1),
                "total": match.integer(1),
                "limit": match.integer(PAGE_SIZE),
                "offset": match.integer(0),
            },
            "application/json",
        )
    )


async def test_the_seed_reads_the_skus_of_active_products(pact: Pact) -> None:
    with pact_mock_server(pact) as url:
        async with ServiceClient(url, name=PRODUCER) as client:
            skus = await active_skus(client)
    assert skus == [SKU]
