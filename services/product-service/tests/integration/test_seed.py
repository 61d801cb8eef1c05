"""The demo catalog `make up` loads: big enough to browse, and safe to load twice."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from product_service.config import Settings
from product_service.seed import load_demo_data

pytestmark = pytest.mark.integration


async def test_the_demo_catalog_loads_once_and_browses_in_every_currency(
    settings: Settings, client: AsyncTestClient[Litestar]
) -> None:
    before = (await client.get("/api/categories")).json()  # now cached
    assert "audio" not in {c["slug"] for c in before["items"]}
    first = await load_demo_data(settings)
    second = await load_demo_data(settings)
    assert first.endswith("104 demo products created")
    assert second.endswith(" 0 demo products created")

    after = (await client.get("/api/categories")).json()  # the seed invalidated the cache
    assert {"audio", "headphones", "speakers", "t-shirts"} <= {c["slug"] for c in after["items"]}

    audio = (await client.get("/api/products", params={"category": "audio", "limit": 100})).json()
    assert audio["total"] == 26  # headphones and speakers, through the tree
    names = [p["name"] for p in audio["items"]]
    assert sum("Wireless Headphones" in name for name in names) >= 5

    total = 0
    for category in ("audio", "computing", "home", "apparel"):
        listed = await client.get("/api/products", params={"category": category, "limit": 1})
        total += listed.json()["total"]
    assert total >= 100

    product = (await client.get("/api/products/sony-wh-1000xm5-wireless-headphones")).json()
    assert product["category_path"] == ["audio", "headphones"]
    assert 1 <= len(product["variants"]) <= 4
    hand_set = product["variants"][0]["prices"]
    assert (hand_set["USD"], hand_set["JPY"]) == (40999, 61990)  # explicit, not converted
    for currency in ("EUR", "USD", "GBP", "JPY"):
        priced = await client.get(
            "/api/products/sony-wh-1000xm5-wireless-headphones", params={"currency": currency}
        )
        assert priced.json()["price_range"]["min"]["currency"] == currency
