"""The admin's summary: orders placed since a moment, per currency, with the revenue of the
paid ones less refunds. The orders are dated 2999 so the ones other tests make stay out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest import ADDRESS
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from order_service.config import Settings
from order_service.db import models

pytestmark = pytest.mark.integration

PATH = "/api/orders/summary"
LATER = datetime(2999, 1, 1, tzinfo=UTC)
IDS = [uuid.UUID(f"0193a5b2-7c1d-7e4f-9a10-0000000299{n:02d}") for n in range(4)]


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database.url)
    yield engine
    await engine.dispose()


async def dated_orders(engine: AsyncEngine) -> None:
    """In JPY, placed in 2999: confirmed 1000, refunded in full 500, part-refunded 800 (300
    back), cancelled 700."""
    rows = [
        ("confirmed", 1000, 0),
        ("refunded", 500, 500),
        ("shipped", 800, 300),
        ("cancelled", 700, 0),
    ]
    async with async_sessionmaker(engine)() as session, session.begin():
        await session.execute(delete(models.Order).where(models.Order.id.in_(IDS)))
        for n, (order_id, (status, total, refunded)) in enumerate(zip(IDS, rows, strict=True)):
            session.add(
                models.Order(
                    id=order_id,
                    customer_id="summary-customer",
                    customer_name="Ada",
                    idempotency_key=f"summary-{uuid.uuid4()}",
                    request_hash="0" * 64,
                    cart_id="summary-cart",
                    status=status,
                    saga_step="completed",
                    currency="JPY",
                    exchange_rate="162",
                    total=total,
                    refunded_total=refunded,
                    shipping_address={**ADDRESS, "line2": None},
                    expires_at=LATER + timedelta(minutes=15),
                    created_at=LATER + timedelta(seconds=n),
                    updated_at=LATER + timedelta(seconds=n),
                )
            )


async def test_admins_read_the_orders_and_revenue_since_a_moment_per_currency(
    client: AsyncTestClient[Litestar],
    engine: AsyncEngine,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
) -> None:
    await dated_orders(engine)
    summary = await client.get(PATH, params={"since": LATER.isoformat()}, headers=admin_headers)
    assert summary.status_code == 200, summary.text
    assert summary.json()["by_currency"] == [
        {
            "currency": "JPY",
            "orders": 4,
            "paid_orders": 3,
            "revenue": {"amount": 1000 + 0 + 500, "currency": "JPY"},
        }
    ]
    later = LATER + timedelta(seconds=2)
    tail = await client.get(PATH, params={"since": later.isoformat()}, headers=admin_headers)
    assert tail.json()["by_currency"][0]["orders"] == 2  # placed at or after it

    assert (await client.get(PATH, params={"since": LATER.isoformat()})).status_code == 401
    as_customer = await client.get(
        PATH, params={"since": LATER.isoformat()}, headers=customer_headers
    )
    assert as_customer.status_code == 403
    naive = await client.get(PATH, params={"since": "2999-01-01T00:00:00"}, headers=admin_headers)
    assert naive.status_code == 422
    assert naive.json()["invalid_params"][0]["name"] == "since"
    missing = await client.get(PATH, headers=admin_headers)
    assert missing.status_code in (400, 422)
