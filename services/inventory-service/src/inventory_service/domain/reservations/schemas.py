"""What callers send and get back for reservations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from inventory_service.domain.stock.schemas import MAX_QUANTITY

OrderId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Units = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]


class ReservationLine(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    quantity: Units


class ReservationCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    order_id: OrderId
    lines: Annotated[list[ReservationLine], msgspec.Meta(min_length=1, max_length=100)]
    ttl_seconds: Annotated[int, msgspec.Meta(ge=1)] | msgspec.UnsetType = msgspec.UNSET


class Reservation(msgspec.Struct):
    """`status`: active (held), committed (sold) or released (given back, or expired)."""

    reservation_id: UUID
    order_id: str
    lines: list[ReservationLine]
    expires_at: datetime
    status: str
    created_at: datetime | None = None
