"""The events this service consumes. Each handler runs in one transaction with its inbox row,
so a redelivered event changes nothing; failures are retried with backoff, then dead-lettered.

The payload Structs below are this service's own tolerant readers of product-service's and
order-service's events: only the fields used here, everything else ignored (the Pacts in
contracts/pacts pin them).

The order saga (contracts/events/README.md): `order.placed` reserves every line or none and
answers `inventory.reserved` or `inventory.reservation_failed`; `order.confirmed` commits the
order's reservation, `order.cancelled` releases it, `order.refunded` with `restock` puts the
sold units back on hand. Reservations are found by order id; each step is idempotent twice over
(the inbox drops a redelivered event, the reservation's state makes a repeated step a no-op).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import msgspec
from shopkit.messaging import Envelope, EventConsumer, payload_as
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.domain.reservations.services import ReservationService
from inventory_service.domain.stock.services import PRODUCT_CREATED, StockService


class VariantRef(msgspec.Struct):
    sku: str


class ProductSnapshot(msgspec.Struct):
    """What inventory reads of `product.created.v1` / `product.updated.v1`: the SKUs, and the
    status (draft, active, archived) that decides whether anyone may read their stock."""

    product_id: str
    variants: list[VariantRef] = msgspec.field(default_factory=list)
    status: str | None = None
    updated_at: datetime | None = None

    @property
    def skus(self) -> list[str]:
        return [variant.sku for variant in self.variants]


class ProductRemoved(msgspec.Struct):
    """What inventory reads of `product.deleted.v1`."""

    product_id: str
    skus: list[str] = msgspec.field(default_factory=list)


class OrderLine(msgspec.Struct):
    sku: str
    quantity: int


class OrderPlaced(msgspec.Struct):
    """What inventory reads of `order.placed.v1`."""

    order_id: str
    lines: list[OrderLine]
    reservation_ttl_seconds: int | None = None


class OrderRef(msgspec.Struct):
    """What inventory reads of `order.confirmed.v1` and `order.cancelled.v1`."""

    order_id: str


class OrderRefunded(msgspec.Struct):
    """What inventory reads of `order.refunded.v1`."""

    order_id: str
    restock: bool = False
    lines: list[OrderLine] = msgspec.field(default_factory=list)


def _pairs(lines: list[OrderLine]) -> list[tuple[str, int]]:
    return [(line.sku, line.quantity) for line in lines]


def read_product(body: bytes | str) -> ProductSnapshot:
    return msgspec.json.decode(body, type=ProductSnapshot)


def read_removed(body: bytes | str) -> ProductRemoved:
    return msgspec.json.decode(body, type=ProductRemoved)


StockFactory = Callable[[AsyncSession], StockService]
ReservationFactory = Callable[[AsyncSession], ReservationService]


def register_handlers(
    consumer: EventConsumer, stock: StockFactory, reservations: ReservationFactory
) -> None:
    @consumer.handler("product.created.v1", name="create-stock")
    async def create_stock(envelope: Envelope, session: AsyncSession) -> None:
        """Every variant of a new product gets a stock record at zero, and its status."""
        product = payload_as(envelope, ProductSnapshot)
        await stock(session).ensure_skus(
            product.skus,
            product_id=product.product_id,
            reason=PRODUCT_CREATED,
            reference=envelope.id,
            status=product.status,
            status_at=product.updated_at,
        )

    @consumer.handler("product.updated.v1", name="add-new-skus")
    async def add_new_skus(envelope: Envelope, session: AsyncSession) -> None:
        """Variants added to a product get a stock record at zero; existing ones keep their
        counts. Every variant takes the product's status (a draft's stock is not public)."""
        product = payload_as(envelope, ProductSnapshot)
        await stock(session).ensure_skus(
            product.skus,
            product_id=product.product_id,
            reason=PRODUCT_CREATED,
            reference=envelope.id,
            status=product.status,
            status_at=product.updated_at,
        )

    @consumer.handler("product.deleted.v1", name="discontinue-skus")
    async def discontinue_skus(envelope: Envelope, session: AsyncSession) -> None:
        """The SKUs are marked discontinued; their stock and ledger stay for the books."""
        await stock(session).discontinue(payload_as(envelope, ProductRemoved).skus)

    @consumer.handler("order.placed.v1", name="reserve-stock")
    async def reserve_stock(envelope: Envelope, session: AsyncSession) -> None:
        """Hold every line of the order or none; `inventory.reserved` or
        `inventory.reservation_failed` answers it."""
        order = payload_as(envelope, OrderPlaced)
        await reservations(session).reserve_for_order(
            order.order_id, _pairs(order.lines), order.reservation_ttl_seconds
        )

    @consumer.handler("order.confirmed.v1", name="commit-reservation")
    async def commit_reservation(envelope: Envelope, session: AsyncSession) -> None:
        """The order is paid: its held units leave stock."""
        await reservations(session).commit_order(payload_as(envelope, OrderRef).order_id)

    @consumer.handler("order.cancelled.v1", name="release-reservation")
    async def release_reservation(envelope: Envelope, session: AsyncSession) -> None:
        """The order is off: units still held become available again."""
        await reservations(session).release_order(payload_as(envelope, OrderRef).order_id)

    @consumer.handler("order.refunded.v1", name="restock-refund")
    async def restock_refund(envelope: Envelope, session: AsyncSession) -> None:
        """A refund that asks for it puts the sold units back on hand, once."""
        refund = payload_as(envelope, OrderRefunded)
        if refund.restock:
            await reservations(session).restock_order(refund.order_id, _pairs(refund.lines))
