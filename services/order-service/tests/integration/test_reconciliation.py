"""The reconciliation against the real database, with payment- and inventory-service played by
the pact mock servers (tests/upstream_pacts.py): their answers describe an order whose payment
succeeded and whose stock is held, though the order heard of neither (its events were lost).

The order is dated 2001 and the run's window is set around it, so the orders other tests make
meanwhile (now) stay out of the comparison.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from conftest import ADDRESS, app_for
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import ServiceTokenProvider
from shopkit.tasks import lock_key
from shopkit.testing import client_for
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from upstream_pacts import (
    CUSTOMER_ID,
    LOST_ORDER_ID,
    LOST_PAYMENT_ID,
    LOST_RESERVATION_ID,
    LOST_TOTAL,
    QUANTITY,
    SKU,
    UNIT_PRICE_USD,
)

from order_service.config import ReconciliationSettings, Settings
from order_service.db import models
from order_service.domain.reconciliation._reconciler import LOCK

pytestmark = pytest.mark.integration

PATH = "/api/ops/order-service/reconciliation"
LONG_AGO = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database.url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def reconciling_client(
    settings: Settings, service_tokens: ServiceTokenProvider
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app with a reconciliation whose window ends a day after LONG_AGO."""
    until = LONG_AGO + timedelta(days=1)
    reconciling = ReconciliationSettings(
        enabled=False,
        grace_seconds=(datetime.now(UTC) - until).total_seconds(),
        overlap_seconds=0,
        lookback_seconds=timedelta(days=2).total_seconds(),
    )
    changed = msgspec.structs.replace(settings, reconciliation=reconciling)
    async with client_for(app_for(changed, service_tokens)) as client:
        yield client


async def lost_order(engine: AsyncEngine) -> None:
    """The order of the pacts' example, awaiting its payment since 2001; no earlier run."""
    order_id = uuid.UUID(LOST_ORDER_ID)
    async with async_sessionmaker(engine)() as session, session.begin():
        await session.execute(delete(models.ReconciliationRun))
        await session.execute(delete(models.Order).where(models.Order.id == order_id))
        session.add(
            models.Order(
                id=order_id,
                customer_id=CUSTOMER_ID,
                customer_email="ada@example.com",
                customer_name="Ada Lovelace",
                idempotency_key=f"lost-{uuid.uuid4()}",
                request_hash="0" * 64,
                cart_id="lost-cart",
                status="awaiting_payment",
                saga_step="collect_payment",
                currency="USD",
                exchange_rate="1.08",
                total=LOST_TOTAL,
                refunded_total=0,
                shipping_address={**ADDRESS, "line2": None},
                payment_id=LOST_PAYMENT_ID,
                reservation_id=LOST_RESERVATION_ID,
                # Its checkout still open: the app's timeout sweeper, running beside the test,
                # must not cancel it before the reconciliation looks (a race seen in CI).
                expires_at=datetime.now(UTC) + timedelta(days=1),
                created_at=LONG_AGO,
                updated_at=LONG_AGO,
                lines=[
                    models.OrderLine(
                        position=0,
                        sku=SKU,
                        name="Tee, red, M",
                        quantity=QUANTITY,
                        unit_price=UNIT_PRICE_USD,
                        line_total=LOST_TOTAL,
                    )
                ],
                history=[
                    models.OrderStatusChange(
                        from_status=None, to_status="pending", reason="placed", at=LONG_AGO
                    ),
                    models.OrderStatusChange(
                        from_status="pending",
                        to_status="awaiting_payment",
                        reason="stock_reserved",
                        at=LONG_AGO,
                    ),
                ],
            )
        )


async def test_a_lost_payment_and_uncommitted_stock_are_repaired_once_and_reported(
    reconciling_client: AsyncTestClient[Litestar],
    engine: AsyncEngine,
    admin_headers: dict[str, str],
) -> None:
    await lost_order(engine)

    ran = await reconciling_client.post(f"{PATH}/runs", headers=admin_headers)
    assert ran.status_code == 201, ran.text
    report = ran.json()
    assert report["run"]["error"] is None
    assert report["run"]["trigger"] == "admin"
    assert (report["run"]["repaired"], report["run"]["unresolved"]) == (2, 0)
    found = {finding["kind"]: finding for finding in report["findings"]}
    assert set(found) == {"payment_not_applied", "stock_not_committed"}
    paid = found["payment_not_applied"]
    assert (paid["order_id"], paid["payment_id"], paid["action"], paid["repaired"]) == (
        LOST_ORDER_ID,
        LOST_PAYMENT_ID,
        "payment_applied",
        True,
    )
    assert "now confirmed" in paid["detail"]
    committed = found["stock_not_committed"]
    assert (committed["reservation_id"], committed["action"]) == (
        LOST_RESERVATION_ID,
        "reservation_committed",
    )

    order = await reconciling_client.get(f"/api/orders/{LOST_ORDER_ID}", headers=admin_headers)
    assert order.json()["status"] == "confirmed"

    # Again: the payment is not applied twice (the order's history notes it once).
    again = await reconciling_client.post(f"{PATH}/runs", headers=admin_headers)
    assert again.status_code == 201
    assert "payment_not_applied" not in {f["kind"] for f in again.json()["findings"]}
    async with async_sessionmaker(engine)() as session:
        notes = await session.scalar(
            select(func.count())
            .select_from(models.OrderStatusChange)
            .where(
                models.OrderStatusChange.order_id == uuid.UUID(LOST_ORDER_ID),
                models.OrderStatusChange.reason.like("reconciled%"),
            )
        )
    assert notes == 1

    listed = await reconciling_client.get(PATH, headers=admin_headers)
    assert listed.status_code == 200
    assert [run["id"] for run in listed.json()["runs"][:2]] == [
        again.json()["run"]["id"],
        report["run"]["id"],
    ]
    assert paid["id"] in {finding["id"] for finding in listed.json()["findings"]}


async def test_only_admins_see_or_run_it_and_one_run_at_a_time(
    client: AsyncTestClient[Litestar],
    engine: AsyncEngine,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
) -> None:
    assert (await client.get(PATH)).status_code == 401
    assert (await client.get(PATH, headers=customer_headers)).status_code == 403
    assert (await client.post(f"{PATH}/runs", headers=customer_headers)).status_code == 403
    bad = await client.get(PATH, params={"runs": 0}, headers=admin_headers)
    assert bad.status_code == 422

    async with engine.connect() as other_replica:
        await other_replica.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(LOCK)})
        try:
            busy = await client.post(f"{PATH}/runs", headers=admin_headers)
        finally:
            await other_replica.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(LOCK)}
            )
    assert busy.status_code == 409
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.json()["code"] == "reconciliation-running"
