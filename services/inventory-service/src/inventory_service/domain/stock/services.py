"""Stock rules. Every change of a quantity goes through `StockService._apply`, which writes the
ledger, the `inventory.stock_changed` event, the low-stock alert and the live update in the
caller's transaction, so none of them can disagree with the stock."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.errors import ConflictError, InvalidInputError, InvalidParam, NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.config import InventorySettings
from inventory_service.db.models import Stock, StockItem, StockMovement
from inventory_service.domain.stock._live import StockFeed
from inventory_service.domain.stock._repositories import (
    MovementRepository,
    StockItemRepository,
    StockRepository,
)
from inventory_service.domain.stock.schemas import (
    SKU_PATTERN,
    StockAdjustment,
    StockDetail,
    StockLevel,
    StockLevels,
    StockSet,
    WarehouseStock,
)
from inventory_service.events.events import LowStock, ShortLine, StockChanged

_SKU = re.compile(SKU_PATTERN)
# Movements that mean someone counted the stock: the seed leaves such SKUs alone.
COUNTED_REASONS = ("set", "adjust", "seed")
PRODUCT_CREATED = "product_created"


class UnknownSkuError(NotFoundError):
    code = "sku-not-found"


class StockBelowReservedError(ConflictError):
    """On hand may never drop below what is promised to orders."""

    code = "stock-below-reserved"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, invalid_params=[InvalidParam(name=field, reason=detail)])


@dataclass(slots=True)
class Allocation:
    """Units of a SKU held in one warehouse for a reservation."""

    sku: str
    warehouse: str
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "warehouse": self.warehouse, "quantity": self.quantity}


@dataclass(slots=True)
class _Change:
    row: Stock
    delta_on_hand: int
    delta_reserved: int


def _older(snapshot_at: datetime | None, recorded_at: datetime | None) -> bool:
    """True when a snapshot is older than the one whose status is already recorded."""
    return snapshot_at is not None and recorded_at is not None and snapshot_at < recorded_at


def check_sku(sku: str, field: str = "sku") -> str:
    if not _SKU.match(sku):
        raise InvalidInputError(field, "must be 1-64 letters, digits, '.', '_' or '-'")
    return sku


class StockService(SQLAlchemyAsyncRepositoryService[Stock]):
    repository_type = StockRepository

    def __init__(
        self,
        session: AsyncSession,
        *,
        settings: InventorySettings,
        feed: StockFeed | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(session=session, **kwargs)
        self.settings = settings
        self.feed = feed
        self.stock: StockRepository = self.repository  # type: ignore[assignment]
        self.items = StockItemRepository(session=session)
        self.movements = MovementRepository(session=session)

    # -- reads ------------------------------------------------------------------------------

    async def _item(self, sku: str, *, on_sale_only: bool = False) -> StockItem:
        item = await self.items.find(sku)
        # A SKU whose product is not on sale answers exactly like one never heard of, so the
        # public cannot even learn that it exists.
        if item is None or (on_sale_only and not item.on_sale):
            raise UnknownSkuError(f"No stock is kept for SKU {sku!r}.")
        return item

    async def level(self, sku: str, *, on_sale_only: bool = False) -> StockLevel:
        # A SKU whose product is not on sale answers exactly like one never heard of, so the
        # public cannot even learn that it exists.
        found = (await self.levels([sku], on_sale_only=on_sale_only)).items
        if not found:
            raise UnknownSkuError(f"No stock is kept for SKU {sku!r}.")
        return found[0]

    async def levels(self, skus: Sequence[str], *, on_sale_only: bool = False) -> StockLevels:
        """Totals of the SKUs this service keeps, in the order asked (unknown ones left out;
        with `on_sale_only`, those of products not on sale too). One statement."""
        totals = await self.items.totals_of_existing(skus, on_sale_only=on_sale_only)
        items = []
        for sku in skus:
            if sku in totals:
                on_hand, reserved = totals[sku]
                items.append(StockLevel(sku, on_hand, reserved, on_hand - reserved))
        return StockLevels(items=items)

    async def detail(self, sku: str) -> StockDetail:
        item = await self._item(sku)
        rows = await self.stock.rows_of(sku)
        warehouses = [
            WarehouseStock(r.warehouse, r.on_hand, r.reserved, r.on_hand - r.reserved) for r in rows
        ]
        on_hand = sum(w.on_hand for w in warehouses)
        reserved = sum(w.reserved for w in warehouses)
        return StockDetail(
            sku=sku,
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
            low_stock_threshold=item.low_stock_threshold,
            warehouses=warehouses,
        )

    async def availability(
        self, skus: Iterable[str], *, on_sale_only: bool = False
    ) -> dict[str, int]:
        """Available units of the SKUs this service knows (unknown ones are left out)."""
        wanted = set(skus)
        totals = await self.stock.totals(wanted)
        known = await self.items.existing(wanted, on_sale_only=on_sale_only)
        return {sku: totals.get(sku, (0, 0))[0] - totals.get(sku, (0, 0))[1] for sku in known}

    async def movements_page(
        self, sku: str, limit: int, offset: int
    ) -> tuple[list[StockMovement], int]:
        await self._item(sku)
        return await self.movements.page(sku, limit, offset)

    async def counted(self, skus: Iterable[str]) -> set[str]:
        """SKUs whose stock someone has set or adjusted."""
        return await self.movements.skus_with_counts(skus, COUNTED_REASONS)

    # -- admin changes ----------------------------------------------------------------------

    async def set_stock(self, sku: str, data: StockSet, *, reason: str = "set") -> StockDetail:
        """Set one warehouse's count (creating the SKU if this service has not heard of it)."""
        check_sku(sku)
        warehouse = data.warehouse or self.settings.default_warehouse
        await self.items.ensure([sku])
        items = await self.items.lock([sku])
        await self.stock.ensure_rows([(sku, warehouse)])
        row = self._row(await self.stock.lock([sku]), sku, warehouse)
        if data.on_hand < row.reserved:
            raise StockBelowReservedError(
                "on_hand",
                f"{row.reserved} units of {sku} in {warehouse} are reserved; on hand cannot be"
                f" set to {data.on_hand}.",
            )
        if data.low_stock_threshold is not msgspec.UNSET:
            items[sku].low_stock_threshold = data.low_stock_threshold
        changes = [_Change(row, data.on_hand - row.on_hand, 0)]
        await self._apply(changes, reason=reason, items=items)
        return await self.detail(sku)

    async def adjust(self, sku: str, data: StockAdjustment) -> StockDetail:
        if data.delta == 0:
            raise InvalidInputError("delta", "must not be zero")
        warehouse = data.warehouse or self.settings.default_warehouse
        items = await self.items.lock([sku])
        if sku not in items:
            raise UnknownSkuError(f"No stock is kept for SKU {sku!r}.")
        await self.stock.ensure_rows([(sku, warehouse)])
        row = self._row(await self.stock.lock([sku]), sku, warehouse)
        if row.on_hand + data.delta < row.reserved:
            raise StockBelowReservedError(
                "delta",
                f"{sku} in {warehouse} has {row.on_hand} on hand of which {row.reserved} are"
                f" reserved; it cannot change by {data.delta}.",
            )
        await self._apply(
            [_Change(row, data.delta, 0)], reason="adjust", items=items, note=data.reason
        )
        return await self.detail(sku)

    # -- products ---------------------------------------------------------------------------

    async def ensure_skus(
        self,
        skus: Sequence[str],
        *,
        product_id: str | None,
        reason: str,
        reference: str | None,
        status: str | None = None,
        status_at: datetime | None = None,
    ) -> set[str]:
        """Zero stock in the default warehouse for SKUs this service has not seen; returns them.

        `status` (the product's, from its snapshot taken at `status_at`) is recorded unless a
        newer snapshot's already was: it decides whether the public may read the stock."""
        valid = sorted({sku for sku in skus if _SKU.match(sku)})
        created = await self.items.ensure(valid, product_id)
        items = await self.items.lock(valid)
        for sku in valid:
            item = items[sku]
            item.discontinued_at = None
            if status is not None and not _older(status_at, item.product_status_at):
                item.product_status = status
                item.product_status_at = status_at
        warehouse = self.settings.default_warehouse
        new_rows = await self.stock.ensure_rows([(sku, warehouse) for sku in created])
        rows = await self.stock.lock(created)
        changes = [_Change(r, 0, 0) for r in rows if (r.sku, r.warehouse) in new_rows]
        await self._apply(changes, reason=reason, items=items, reference=reference)
        return created

    async def discontinue(self, skus: Sequence[str]) -> None:
        """Mark SKUs whose product was deleted; their stock and ledger stay for the books."""
        items = await self.items.lock(skus)
        now = datetime.now(UTC)
        for item in items.values():
            item.discontinued_at = item.discontinued_at or now

    # -- reservations -----------------------------------------------------------------------

    async def hold(
        self, wanted: Mapping[str, int], *, reference: str
    ) -> tuple[list[Allocation], list[ShortLine]]:
        """Reserve every line or nothing: (allocations, []) or ([], the lines that are short).

        The SKUs' rows stay locked until the transaction ends, so no other reservation can
        take the same units in between (no oversell).
        """
        items = await self.items.lock(wanted)
        rows = await self.stock.lock(wanted)
        by_sku: dict[str, list[Stock]] = {}
        for row in rows:
            by_sku.setdefault(row.sku, []).append(row)
        short = [
            ShortLine(sku=sku, requested=quantity, available=available)
            for sku, quantity in sorted(wanted.items())
            if quantity > (available := sum(r.on_hand - r.reserved for r in by_sku.get(sku, [])))
        ]
        if short:
            return [], short
        default = self.settings.default_warehouse
        allocations: list[Allocation] = []
        changes: list[_Change] = []
        for sku, quantity in sorted(wanted.items()):
            remaining = quantity
            # The default warehouse first, then the others in name order.
            for row in sorted(by_sku[sku], key=lambda r: (r.warehouse != default, r.warehouse)):
                take = min(remaining, row.on_hand - row.reserved)
                if take > 0:
                    changes.append(_Change(row, 0, take))
                    allocations.append(Allocation(sku, row.warehouse, take))
                    remaining -= take
                if remaining == 0:
                    break
        await self._apply(changes, reason="reserve", items=items, reference=reference, locked=rows)
        return allocations, []

    async def unhold(
        self, allocations: Sequence[Allocation], *, sold: bool, reason: str, reference: str
    ) -> None:
        """Give held units back (`sold=False`) or take them out of stock (`sold=True`)."""
        skus = {a.sku for a in allocations}
        items = await self.items.lock(skus)
        locked = await self.stock.lock(skus)
        rows = {(r.sku, r.warehouse): r for r in locked}
        changes = [
            _Change(rows[(a.sku, a.warehouse)], -a.quantity if sold else 0, -a.quantity)
            for a in allocations
        ]
        await self._apply(changes, reason=reason, items=items, reference=reference, locked=locked)

    async def put_back(
        self, allocations: Sequence[Allocation], *, reason: str, reference: str
    ) -> None:
        """Sold units come back on hand where they were taken from (a refund's restock)."""
        skus = {a.sku for a in allocations}
        items = await self.items.lock(skus)
        await self.stock.ensure_rows([(a.sku, a.warehouse) for a in allocations])
        locked = await self.stock.lock(skus)
        rows = {(r.sku, r.warehouse): r for r in locked}
        changes = [_Change(rows[(a.sku, a.warehouse)], a.quantity, 0) for a in allocations]
        await self._apply(changes, reason=reason, items=items, reference=reference, locked=locked)

    async def put_back_so_far(self, reference: str, reason: str) -> dict[str, int]:
        """Units already put back per SKU under this reference (so a restock happens once)."""
        return await self.movements.quantities(reference, reason)

    # -- the one place quantities change ----------------------------------------------------

    @staticmethod
    def _row(rows: Sequence[Stock], sku: str, warehouse: str) -> Stock:
        return next(r for r in rows if r.sku == sku and r.warehouse == warehouse)

    async def _apply(
        self,
        changes: Sequence[_Change],
        *,
        reason: str,
        items: Mapping[str, StockItem],
        reference: str | None = None,
        note: str | None = None,
        locked: Sequence[Stock] | None = None,
    ) -> None:
        """Apply deltas to locked rows, write the ledger, then announce each SKU's new totals.

        `locked` is every warehouse row of the `items`' SKUs when the caller holds them all
        locked (a reservation, its release or commit, a restock): the totals are then summed
        from those rows instead of read again.

        Every change is a ledger entry, even one that moves nothing (a count that confirmed
        the stock, a record created at zero); only SKUs whose quantities moved, or whose record
        was just created, are announced. Low-stock state is re-checked for every SKU, since a
        threshold may have changed.
        """
        now = datetime.now(UTC)
        touched: set[str] = set()
        for change in changes:
            change.row.on_hand += change.delta_on_hand
            change.row.reserved += change.delta_reserved
            self.movements.record(
                sku=change.row.sku,
                warehouse=change.row.warehouse,
                delta_on_hand=change.delta_on_hand,
                delta_reserved=change.delta_reserved,
                reason=reason,
                reference=reference,
                note=note,
                at=now,
            )
            if change.delta_on_hand or change.delta_reserved or reason == PRODUCT_CREATED:
                touched.add(change.row.sku)
        totals = await self.stock.totals(items) if locked is None else _summed(locked)
        for sku in sorted(items):
            on_hand, reserved = totals.get(sku, (0, 0))
            available = on_hand - reserved
            self._check_low_stock(items[sku], available)
            if sku not in touched:
                continue
            self.stock.publish(
                StockChanged(
                    sku=sku,
                    on_hand=on_hand,
                    reserved=reserved,
                    available=available,
                    reason=reason,
                    changed_at=now,
                )
            )
            if self.feed is not None:
                self.stock.stage_on(self.feed, sku, available)

    def _check_low_stock(self, item: StockItem, available: int) -> None:
        """Alert when availability crosses below the threshold; re-arm when it recovers."""
        threshold = item.low_stock_threshold
        below = threshold is not None and available < threshold
        if below and not item.low_stock:
            assert threshold is not None
            alert = LowStock(sku=item.sku, available=available, threshold=threshold)
            self.stock.publish(alert)
        if below != item.low_stock:
            item.low_stock = below


def _summed(rows: Iterable[Stock]) -> dict[str, tuple[int, int]]:
    """(on hand, reserved) per SKU over its warehouse rows, as `StockRepository.totals`."""
    totals: dict[str, tuple[int, int]] = {}
    for row in rows:
        on_hand, reserved = totals.get(row.sku, (0, 0))
        totals[row.sku] = (on_hand + row.on_hand, reserved + row.reserved)
    return totals
