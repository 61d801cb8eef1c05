"""The ceiling every read is compared with: a bare Litestar handler returning 20 msgspec
Structs, no middleware, served by granian (2 workers) on a free port by the reads profile."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get


class Item(msgspec.Struct):
    id: int
    name: str
    price: int
    currency: str
    in_stock: bool


ITEMS = [Item(i, f"Product {i}", 1999 + i, "EUR", True) for i in range(20)]


@get("/", sync_to_thread=False)
def items() -> list[Item]:
    return ITEMS


app = Litestar([items], openapi_config=None)
