"""Demo stock for `make up`: every active product's SKUs, read from product-service's public API,
get a deterministic quantity unless someone already counted them; a second run changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from shopkit.db import sqlalchemy_config
from shopkit.http import ServiceClient
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.config import InventorySettings, Settings
from inventory_service.domain.stock.schemas import StockSet
from inventory_service.domain.stock.services import StockService

PAGE_SIZE = 100


def demo_quantity(sku: str) -> int:
    """Stable per SKU: one in twenty sold out, one in twenty low (1-4), the rest 5-60."""
    number = int.from_bytes(hashlib.sha256(sku.encode()).digest()[:8], "big")
    bucket, rest = number % 20, number // 20
    if bucket == 0:
        return 0
    if bucket == 1:
        return 1 + rest % 4
    return 5 + rest % 56


def _variant_skus(product: dict[str, Any]) -> list[str]:
    return [
        str(v["sku"]) for v in product.get("variants") or [] if isinstance(v, dict) and v.get("sku")
    ]


async def active_skus(client: ServiceClient) -> list[str]:
    """Every SKU of every active product, page by page (list items carry their variants, in the
    same shape as the product detail, so the list is all the seed reads)."""
    skus: list[str] = []
    offset = 0
    while True:
        page = await client.call(
            "GET", "/api/products", params={"limit": PAGE_SIZE, "offset": offset}
        )
        items: list[dict[str, Any]] = page.get("items") or []
        for product in items:
            if product.get("status", "active") != "active":
                continue
            skus.extend(_variant_skus(product))
        offset += len(items)
        if not items or offset >= int(page.get("total", 0)):
            return list(dict.fromkeys(skus))


async def seed_stock(
    session: AsyncSession, settings: InventorySettings, skus: Iterable[str]
) -> int:
    """Demo stock for the SKUs nobody has counted yet; returns how many were stocked."""
    stock = StockService(session, settings=settings)
    wanted = list(dict.fromkeys(skus))
    counted = await stock.counted(wanted)
    stocked = 0
    for sku in wanted:
        if sku in counted:
            continue
        await stock.set_stock(
            sku,
            StockSet(
                on_hand=demo_quantity(sku), low_stock_threshold=settings.seed_low_stock_threshold
            ),
            reason="seed",
        )
        stocked += 1
    return stocked


async def load_demo_data(settings: Settings) -> str:
    async with ServiceClient(
        settings.product_service.base_url, settings=settings.http, name="product-service"
    ) as client:
        skus = await active_skus(client)
    database = sqlalchemy_config(settings.database)
    async with database.get_session() as session:
        stocked = await seed_stock(session, settings.inventory, skus)
        await session.commit()
    await database.get_engine().dispose()
    return f"{settings.service.name}: demo stock set for {stocked} of {len(skus)} SKUs"
