"""What callers send and get back. Lines hold a SKU and a quantity; everything else a cart
shows (names, prices, availability) is read from the catalog when the cart is read."""

from __future__ import annotations

from typing import Annotated

import msgspec
from shopkit.money import Money

Quantity = Annotated[int, msgspec.Meta(ge=1, le=99)]
Sku = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
CurrencyCode = Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class CartCreate(msgspec.Struct, forbid_unknown_fields=True):
    currency: CurrencyCode | None = None


class LineAdd(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity


class LineUpdate(msgspec.Struct, forbid_unknown_fields=True):
    quantity: Quantity


class CartLine(msgspec.Struct):
    sku: str
    quantity: int
    name: str
    image: str | None
    unit_price: Money
    line_total: Money
    available: int


class Cart(msgspec.Struct):
    id: str
    currency: str
    customer_id: str | None
    lines: list[CartLine]
    total: Money
    item_count: int
    # SKUs still in the cart that the catalog no longer sells (unknown or not active): they
    # are neither priced nor counted, and an order cannot be placed for them.
    unavailable_skus: list[str] = msgspec.field(default_factory=list)
