"""Money beyond int32: product-service prices in bigint, so an order (and its lines) must hold
any total those prices make, to the minor unit."""

from __future__ import annotations

import uuid

import pytest
from conftest import ADDRESS, CUSTOMER_ID
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.db import sqlalchemy_config
from shopkit.money import Money

from order_service.config import Settings
from order_service.domain.orders import schemas
from order_service.domain.orders._pricing import PricedLine
from order_service.domain.orders.services import OrderService, PlaceOrder

pytestmark = pytest.mark.integration

UNIT = 1_500_000_001  # minor units: 15,000,000.01 EUR, more than an int32 holds
QUANTITY = 3


async def test_an_order_above_int32_minor_units_is_stored_and_shown_exactly(
    settings: Settings,
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
) -> None:
    key = f"large-{uuid.uuid4().hex}"
    line = PricedLine(
        sku="YACHT-1",
        name="A yacht",
        quantity=QUANTITY,
        unit_price=Money(UNIT, "EUR"),
        line_total=Money(UNIT * QUANTITY, "EUR"),
    )
    request = schemas.OrderCreate(
        cart_id="cart-large",
        shipping_address=schemas.ShippingAddress(**ADDRESS),
        currency="EUR",
    )
    database = sqlalchemy_config(settings.database)
    async with database.get_session() as session:
        order, created = await OrderService(session=session).place(
            PlaceOrder(
                order_id=uuid.uuid4(),
                customer_id=CUSTOMER_ID,
                customer_email=None,
                idempotency_key=key,
                request_hash="0" * 64,
                request=request,
                exchange_rate="1",
                lines=[line],
                total=line.line_total,
                payment_id=str(uuid.uuid4()),
            )
        )
        await session.commit()
    await database.get_engine().dispose()
    assert created

    shown = await client.get(f"/api/orders/{order.id}", headers=customer_headers)

    assert shown.status_code == 200, shown.text
    assert shown.json()["total"] == {"amount": 4_500_000_003, "currency": "EUR"}
    assert shown.json()["lines"][0]["unit_price"] == {"amount": UNIT, "currency": "EUR"}
