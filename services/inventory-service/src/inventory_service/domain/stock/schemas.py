"""What callers send and get back for stock. Quantities are whole, non-negative numbers: msgspec
refuses floats, strings and negatives at the edge (422 naming the field)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

MAX_QUANTITY = 1_000_000_000
MAX_LOOKUP_SKUS = 100

Quantity = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]
Delta = Annotated[int, msgspec.Meta(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
Warehouse = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class StockLevel(msgspec.Struct):
    """Totals over every warehouse (what anyone may read)."""

    sku: str
    on_hand: int
    reserved: int
    available: int


class StockLevels(msgspec.Struct):
    """`GET /api/inventory?skus=`: the asked SKUs this service keeps, in the order asked."""

    items: list[StockLevel]


class WarehouseStock(msgspec.Struct):
    warehouse: str
    on_hand: int
    reserved: int
    available: int


class StockDetail(msgspec.Struct):
    """What an admin gets back after a change: totals, per warehouse, and the threshold."""

    sku: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int | None
    warehouses: list[WarehouseStock]


class StockSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`PUT /api/inventory/{sku}`: the count on hand in one warehouse (the default one if none)."""

    on_hand: Quantity
    warehouse: Warehouse | msgspec.UnsetType = msgspec.UNSET
    low_stock_threshold: Quantity | msgspec.UnsetType | None = msgspec.UNSET


class StockAdjustment(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`POST /api/inventory/{sku}/adjustments`: a relative change (received, damaged, recount)."""

    delta: Delta
    reason: Reason
    warehouse: Warehouse | msgspec.UnsetType = msgspec.UNSET


class Movement(msgspec.Struct):
    id: UUID
    sku: str
    warehouse: str
    delta_on_hand: int
    delta_reserved: int
    reason: str
    reference: str | None
    note: str | None
    at: datetime


class Availability(msgspec.Struct):
    """One message of the live stream."""

    sku: str
    available: int
