"""The events this service publishes (owned here; consumers keep their own tolerant copies).

Quantities are totals over all warehouses; timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from shopkit.messaging import Event


class StockChanged(Event, frozen=True):
    """A SKU's quantities changed; `reason` is the ledger reason (set, adjust, reserve, ...)."""

    event_type = "inventory.stock_changed.v1"

    sku: str
    on_hand: int
    reserved: int
    available: int
    reason: str
    changed_at: datetime


class LowStock(Event, frozen=True):
    """Availability crossed below the SKU's threshold (once per crossing)."""

    event_type = "inventory.low_stock.v1"

    sku: str
    available: int
    threshold: int


class ReservedLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class Reserved(Event, frozen=True):
    event_type = "inventory.reserved.v1"

    reservation_id: str
    order_id: str
    lines: list[ReservedLine]
    expires_at: datetime


class ShortLine(msgspec.Struct, frozen=True):
    sku: str
    requested: int
    available: int


class ReservationFailed(Event, frozen=True):
    """Nothing was reserved; `lines` are the SKUs that were short."""

    event_type = "inventory.reservation_failed.v1"

    order_id: str
    reason: str
    lines: list[ShortLine]


class Released(Event, frozen=True):
    """A reservation's stock went back to availability; `reason` is released or expired."""

    event_type = "inventory.released.v1"

    reservation_id: str
    order_id: str
    reason: str


PUBLISHED: tuple[type[Event], ...] = (StockChanged, LowStock, Reserved, ReservationFailed, Released)
