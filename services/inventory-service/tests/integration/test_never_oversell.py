"""No oversell, ever: many concurrent reservations against the real app and database, and random
interleavings of reserve, release, commit and adjust that must keep the books consistent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import httpx
import pytest
from conftest import new_sku
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from shopkit.errors import DomainError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from inventory_service.config import Settings
from inventory_service.domain.reservations.schemas import ReservationCreate, ReservationLine
from inventory_service.domain.reservations.services import ReservationService
from inventory_service.domain.stock.schemas import StockAdjustment, StockSet
from inventory_service.domain.stock.services import StockService

pytestmark = pytest.mark.integration

PREFIX = "/api/inventory"


async def test_fifty_concurrent_orders_for_seven_units_reserve_exactly_seven(
    http: httpx.AsyncClient, admin_headers: dict[str, str], service_headers: dict[str, str]
) -> None:
    sku = new_sku("scarce")
    stocked = await http.put(f"{PREFIX}/{sku}", json={"on_hand": 7}, headers=admin_headers)
    assert stocked.status_code == 200, stocked.text

    async def order(n: int) -> httpx.Response:
        return await http.post(
            f"{PREFIX}/reservations",
            json={"order_id": f"{sku}-order-{n}", "lines": [{"sku": sku, "quantity": 1}]},
            headers=service_headers,
        )

    responses = await asyncio.gather(*(order(n) for n in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 7, statuses
    assert statuses.count(409) == 43, statuses
    level = (await http.get(f"{PREFIX}/{sku}")).json()
    assert level == {"sku": sku, "on_hand": 7, "reserved": 7, "available": 0}


# -- random interleavings -------------------------------------------------------------------

SKUS = ("A", "B", "C")
reserve_op = st.tuples(
    st.just("reserve"),
    st.lists(
        st.tuples(st.sampled_from(SKUS), st.integers(1, 4)),
        min_size=1,
        max_size=3,
        unique_by=lambda line: line[0],
    ),
)
pick = st.integers(0, 20)  # which reservation made so far (modulo how many exist)
operations = st.lists(
    st.one_of(
        reserve_op,
        st.tuples(st.just("release"), pick),
        st.tuples(st.just("commit"), pick),
        st.tuples(st.just("adjust"), st.tuples(st.sampled_from(SKUS), st.integers(-5, 5))),
    ),
    min_size=1,
    max_size=12,
)
initial_stock = st.tuples(*(st.integers(0, 6) for _ in SKUS))


async def run_interleaved(
    url: str, settings: Settings, stock: tuple[int, ...], ops: list[Any]
) -> None:
    engine = create_async_engine(url, pool_size=6)
    makers = async_sessionmaker(engine, expire_on_commit=False)
    prefix = new_sku("P")
    sku_of = {name: f"{prefix}-{name}" for name in SKUS}
    reservations: list[UUID] = []

    async def in_transaction(work: Callable[[AsyncSession], Awaitable[None]]) -> None:
        async with makers() as session:
            try:
                await work(session)
                await session.commit()
            except DomainError:  # refused: insufficient stock, below reserved, closed
                await session.rollback()

    def services(session: AsyncSession) -> tuple[StockService, ReservationService]:
        stock_service = StockService(session, settings=settings.inventory)
        return stock_service, ReservationService(session, stock=stock_service)

    async def run(op: Any, index: int) -> None:
        kind, arg = op
        if kind == "reserve":

            async def work(session: AsyncSession) -> None:
                lines = [ReservationLine(sku_of[name], quantity) for name, quantity in arg]
                reservation, _ = await services(session)[1].reserve(
                    ReservationCreate(order_id=f"{prefix}-{index}", lines=lines)
                )
                reservations.append(reservation.id)

        elif kind in ("release", "commit"):
            if not reservations:
                return
            target = reservations[arg % len(reservations)]

            async def work(session: AsyncSession) -> None:
                service = services(session)[1]
                await (service.release(target) if kind == "release" else service.commit(target))

        else:
            name, delta = arg
            if delta == 0:
                return

            async def work(session: AsyncSession) -> None:
                await services(session)[0].adjust(
                    sku_of[name], StockAdjustment(delta=delta, reason="property")
                )

        await in_transaction(work)

    try:
        for name, quantity in zip(SKUS, stock, strict=True):
            await in_transaction(
                lambda s, n=name, q=quantity: services(s)[0].set_stock(
                    sku_of[n], StockSet(on_hand=q)
                )
            )
        # Up to three operations at a time, each in its own session: real interleavings.
        for start in range(0, len(ops), 3):
            await asyncio.gather(
                *(run(op, start + i) for i, op in enumerate(ops[start : start + 3]))
            )

        async with engine.connect() as connection:
            skus = list(sku_of.values())
            rows = (
                await connection.execute(
                    text("SELECT sku, warehouse, on_hand, reserved FROM stock WHERE sku = ANY(:s)"),
                    {"s": skus},
                )
            ).all()
            ledger = {
                (sku, warehouse): (int(on_hand), int(reserved))
                for sku, warehouse, on_hand, reserved in (
                    await connection.execute(
                        text(
                            "SELECT sku, warehouse, sum(delta_on_hand), sum(delta_reserved)"
                            " FROM stock_movement WHERE sku = ANY(:s) GROUP BY sku, warehouse"
                        ),
                        {"s": skus},
                    )
                ).all()
            }
            held = {
                sku: int(quantity)
                for sku, quantity in (
                    await connection.execute(
                        text(
                            "SELECT a->>'sku', sum((a->>'quantity')::int) FROM reservation,"
                            " jsonb_array_elements(allocations) a"
                            " WHERE status = 'active' AND a->>'sku' = ANY(:s) GROUP BY 1"
                        ),
                        {"s": skus},
                    )
                ).all()
            }
        for sku, warehouse, on_hand, reserved in rows:
            available = on_hand - reserved
            assert min(on_hand, reserved, available) >= 0, (sku, on_hand, reserved)
            assert on_hand == available + reserved
            assert ledger[(sku, warehouse)] == (on_hand, reserved), "the ledger disagrees"
            assert held.get(sku, 0) == reserved, "reserved differs from active reservations"
    finally:
        await engine.dispose()


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stock=initial_stock, ops=operations)
def test_random_interleavings_never_oversell_and_the_ledger_adds_up(
    settings: Settings, stock: tuple[int, ...], ops: list[Any]
) -> None:
    asyncio.run(run_interleaved(settings.database.url, settings, stock, ops))
