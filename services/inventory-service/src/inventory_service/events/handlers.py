"""The events this service consumes. Each handler runs in one transaction with its inbox row,
so a redelivered event changes nothing; failures are retried with backoff, then dead-lettered.

The payload Structs below are this service's own tolerant readers of product-service's events:
only the fields used here, everything else ignored (the Pact in contracts/pacts pins them).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from shopkit.messaging import Envelope, EventConsumer, payload_as
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.domain.stock.services import PRODUCT_CREATED, StockService


class VariantRef(msgspec.Struct):
    sku: str


class ProductSnapshot(msgspec.Struct):
    """What inventory reads of `product.created.v1` / `product.updated.v1`."""

    product_id: str
    variants: list[VariantRef] = msgspec.field(default_factory=list)

    @property
    def skus(self) -> list[str]:
        return [variant.sku for variant in self.variants]


class ProductRemoved(msgspec.Struct):
    """What inventory reads of `product.deleted.v1`."""

    product_id: str
    skus: list[str] = msgspec.field(default_factory=list)


def read_product(body: bytes | str) -> ProductSnapshot:
    return msgspec.json.decode(body, type=ProductSnapshot)


def read_removed(body: bytes | str) -> ProductRemoved:
    return msgspec.json.decode(body, type=ProductRemoved)


StockFactory = Callable[[AsyncSession], StockService]


def register_handlers(consumer: EventConsumer, stock: StockFactory) -> None:
    @consumer.handler("product.created.v1", name="create-stock")
    async def create_stock(envelope: Envelope, session: AsyncSession) -> None:
        """Every variant of a new product gets a stock record at zero."""
        product = payload_as(envelope, ProductSnapshot)
        await stock(session).ensure_skus(
            product.skus,
            product_id=product.product_id,
            reason=PRODUCT_CREATED,
            reference=envelope.id,
        )

    @consumer.handler("product.updated.v1", name="add-new-skus")
    async def add_new_skus(envelope: Envelope, session: AsyncSession) -> None:
        """Variants added to a product get a stock record at zero; existing ones are untouched."""
        product = payload_as(envelope, ProductSnapshot)
        await stock(session).ensure_skus(
            product.skus,
            product_id=product.product_id,
            reason=PRODUCT_CREATED,
            reference=envelope.id,
        )

    @consumer.handler("product.deleted.v1", name="discontinue-skus")
    async def discontinue_skus(envelope: Envelope, session: AsyncSession) -> None:
        """The SKUs are marked discontinued; their stock and ledger stay for the books."""
        await stock(session).discontinue(payload_as(envelope, ProductRemoved).skus)
