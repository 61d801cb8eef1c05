"""The demo stock `make up` loads: the SKUs it is given are stocked once, counted ones left alone.
How the seed reads product-service's active SKUs is pinned by the consumer pact
(tests/contract/consumer/test_product_pact.py), never by a stand-in of product-service."""

from __future__ import annotations

import pytest
from conftest import new_sku
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from inventory_service.config import Settings
from inventory_service.seed import demo_quantity, seed_stock

pytestmark = pytest.mark.integration


async def test_seeding_stocks_uncounted_skus_once_with_a_threshold(
    settings: Settings, client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> None:
    skus = [new_sku("DEMO") for _ in range(20)]
    counted = skus[0]
    await client.put(f"/api/inventory/{counted}", json={"on_hand": 1}, headers=admin_headers)
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        for expected in (19, 0):  # the second run changes nothing
            async with sessions() as session:
                assert await seed_stock(session, settings.inventory, skus) == expected
                await session.commit()
    finally:
        await engine.dispose()

    assert (await client.get(f"/api/inventory/{counted}")).json()["on_hand"] == 1
    for sku in skus[1:]:
        level = (await client.get(f"/api/inventory/{sku}")).json()
        assert level["on_hand"] == demo_quantity(sku)
    detail = await client.put(
        f"/api/inventory/{skus[1]}", json={"on_hand": demo_quantity(skus[1])}, headers=admin_headers
    )
    assert detail.json()["low_stock_threshold"] == 5
