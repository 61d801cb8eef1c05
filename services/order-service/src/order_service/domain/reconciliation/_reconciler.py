"""The reconciliation job: compares orders with payment-service's payments and
inventory-service's reservations, repairs what a lost event left behind, and records each run
and each finding (`reconciliation_run`, `reconciliation_finding`) for the admin's
Reconciliation page.

Once at a time: a run holds a PostgreSQL advisory lock (`shopkit.tasks.exclusive`) for as long
as it lasts, so the replicas that all schedule it never run two at once; a scheduled run is
skipped when any replica ran one less than an interval ago. A run compares the changes made in a
window of time: from where the last complete run stopped (less an overlap) to `grace_seconds`
ago, so events still on their way are not taken for lost ones. A run that cannot reach a service
stops, records why, and the next one covers its window again. Every repair is idempotent:
applying a payment twice, asking twice for a refund, or releasing a reservation twice changes
nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from shopkit.errors import ConflictError, DomainError
from shopkit.http import ServiceUnavailable
from shopkit.tasks import exclusive, periodic
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from order_service.db.models import Order, ReconciliationFinding, ReconciliationRun
from order_service.domain.orders._states import STOCK_COMMITTED, OrderStatus
from order_service.domain.orders.services import OrderService
from order_service.domain.reconciliation._findings import (
    Action,
    Finding,
    OrderView,
    judge_payment,
    judge_reservation,
    missing_reservation,
    order_uuid,
)
from order_service.domain.reconciliation._ledgers import (
    ACTIVE,
    Ledgers,
    PaymentFact,
    ReservationFact,
)

_logger = structlog.get_logger("order_service.reconciliation")

LOCK = "order-service.reconciliation"  # the advisory lock one run at a time holds
SCHEDULE, ADMIN = "schedule", "admin"
_VIEW_COLUMNS = (
    Order.id,
    Order.status,
    Order.saga_step,
    Order.payment_id,
    Order.reservation_id,
    Order.currency,
    Order.total,
)


@dataclass
class _Tally:
    payments: int = 0
    reservations: int = 0
    orders: int = 0
    repaired: int = 0
    unresolved: int = 0
    seen_payments: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


class ReconciliationBusyError(ConflictError):
    code = "reconciliation-running"

    def __init__(self) -> None:
        super().__init__("A reconciliation is running on another replica; try again shortly.")


class Reconciler:
    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        orders: Callable[[AsyncSession], OrderService],
        ledgers: Ledgers,
        *,
        interval_seconds: float,
        grace_seconds: float,
        overlap_seconds: float,
        lookback_seconds: float,
    ) -> None:
        self._session_maker = session_maker
        self._orders = orders
        self._ledgers = ledgers
        self._interval = interval_seconds
        self._grace = timedelta(seconds=grace_seconds)
        self._overlap = timedelta(seconds=overlap_seconds)
        self._lookback = timedelta(seconds=lookback_seconds)

    def lifespan(self) -> Callable[[Any], AbstractAsyncContextManager[None]]:
        """Reconcile every interval for as long as the app runs."""
        return periodic("order-reconciliation", self._interval, self.scheduled)

    async def scheduled(self) -> uuid.UUID | None:
        return await self.run(SCHEDULE)

    async def run(self, trigger: str) -> uuid.UUID | None:
        """Compare once; the run's id, or None when another replica holds the lock (or, for a
        scheduled run, ran one less than an interval ago)."""
        async with exclusive(self._session_maker, LOCK) as guard:
            if guard is None:
                return None
            now = datetime.now(UTC)
            if trigger == SCHEDULE and await self._ran_lately(guard, now):
                return None
            window = await self._window(guard, now)
            run_id = await self._record_start(trigger, now, window)
            tally = _Tally()
            error: str | None = None
            try:
                await self._compare(run_id, window, tally)
            except (ServiceUnavailable, DomainError) as exc:
                error = f"stopped: {exc}"[:500]
                _logger.warning("reconciliation stopped; the next run covers it", error=error)
            except Exception as exc:  # a bug: recorded on the run, and logged with its trace
                error = f"failed: {type(exc).__name__}: {exc}"[:500]
                _logger.exception("reconciliation failed; the next run covers it")
            await self._record_end(run_id, tally, error)
            return run_id

    # --- the comparisons ------------------------------------------------------------------

    async def _compare(self, run_id: uuid.UUID, window: Window, tally: _Tally) -> None:
        await self._payments_that_succeeded(run_id, window, tally)
        await self._payments_of_cancelled_orders(run_id, window, tally)
        await self._reservations_still_held(run_id, window, tally)
        await self._reservations_of_confirmed_orders(run_id, window, tally)

    async def _payments_that_succeeded(
        self, run_id: uuid.UUID, window: Window, tally: _Tally
    ) -> None:
        payments = await self._ledgers.succeeded_payments(window.start, window.end)
        await self._judge_payments(run_id, payments, tally)

    async def _payments_of_cancelled_orders(
        self, run_id: uuid.UUID, window: Window, tally: _Tally
    ) -> None:
        cancelled = await self._orders_changed(window, (OrderStatus.CANCELLED,), with_payment=True)
        tally.orders += len(cancelled)
        payments = await self._ledgers.payments_of([str(order.id) for order in cancelled])
        await self._judge_payments(run_id, payments, tally)

    async def _judge_payments(
        self, run_id: uuid.UUID, payments: Sequence[PaymentFact], tally: _Tally
    ) -> None:
        fresh = [payment for payment in payments if payment.id not in tally.seen_payments]
        tally.seen_payments.update(payment.id for payment in fresh)
        tally.payments += len(fresh)
        orders = await self._views(payment.order_id for payment in fresh)
        for payment in fresh:
            order = orders.get(payment.order_id)
            finding = judge_payment(order, payment)
            if finding is not None:
                await self._repair(
                    run_id, finding, tally, order_id=payment.order_id, payment=payment
                )

    async def _reservations_still_held(
        self, run_id: uuid.UUID, window: Window, tally: _Tally
    ) -> None:
        reservations = await self._ledgers.old_active_reservations(window.end)
        tally.reservations += len(reservations)
        orders = await self._views(reservation.order_id for reservation in reservations)
        for reservation in reservations:
            finding = judge_reservation(orders.get(reservation.order_id), reservation)
            if finding is not None:
                await self._repair(
                    run_id, finding, tally, order_id=reservation.order_id, reservation=reservation
                )

    async def _reservations_of_confirmed_orders(
        self, run_id: uuid.UUID, window: Window, tally: _Tally
    ) -> None:
        confirmed = await self._orders_changed(window, tuple(STOCK_COMMITTED))
        tally.orders += len(confirmed)
        held = await self._ledgers.reservations_of([str(order.id) for order in confirmed])
        by_order = {reservation.order_id: reservation for reservation in held}
        for order in confirmed:
            reservation = by_order.get(str(order.id))
            if reservation is None:
                finding: Finding | None = missing_reservation(order)
            elif reservation.status == ACTIVE:
                continue  # compared with the reservations still held
            else:
                tally.reservations += 1
                finding = judge_reservation(order, reservation)
            if finding is not None:
                await self._repair(
                    run_id, finding, tally, order_id=str(order.id), reservation=reservation
                )

    # --- repairs ----------------------------------------------------------------------------

    async def _repair(
        self,
        run_id: uuid.UUID,
        finding: Finding,
        tally: _Tally,
        *,
        order_id: str,
        payment: PaymentFact | None = None,
        reservation: ReservationFact | None = None,
    ) -> None:
        """Repair one finding and record it in the same transaction (an HTTP repair first).
        A repair the order's state refuses (it moved on meanwhile) is recorded as unresolved;
        a service that does not answer stops the run."""
        repaired, detail = finding.action != Action.NONE, finding.detail
        record = {
            "run_id": run_id,
            "kind": str(finding.kind),
            "order_id": order_id[:64],
            "payment_id": payment.id if payment else None,
            "reservation_id": reservation.reservation_id if reservation else None,
            "action": str(finding.action),
        }
        try:
            async with self._session_maker() as session, session.begin():
                if finding.action in (Action.APPLY_PAYMENT, Action.REFUND):
                    assert payment is not None
                    detail += await self._repair_payment(session, finding, order_id, payment)
                elif finding.action in (Action.RELEASE, Action.COMMIT):
                    assert reservation is not None
                    repaired, outcome = await self._repair_reservation(finding, reservation)
                    detail += outcome
                session.add(ReconciliationFinding(**record, repaired=repaired, detail=detail[:500]))
        except DomainError as exc:
            if isinstance(exc, ServiceUnavailable):
                raise
            repaired, detail = False, f"{detail}; not repaired: {exc}"
            async with self._session_maker() as session, session.begin():
                session.add(ReconciliationFinding(**record, repaired=False, detail=detail[:500]))
        if repaired:
            tally.repaired += 1
        else:
            tally.unresolved += 1
        log = _logger.warning if repaired else _logger.error
        log(
            "reconciliation finding",
            kind=str(finding.kind),
            action=str(finding.action),
            repaired=repaired,
            order_id=order_id,
            detail=detail,
        )

    async def _repair_payment(
        self, session: AsyncSession, finding: Finding, order_id: str, payment: PaymentFact
    ) -> str:
        orders = self._orders(session)
        order_key = order_uuid(order_id)
        known = order_key is not None and await session.get(Order, order_key) is not None
        if finding.action == Action.APPLY_PAYMENT:
            assert order_key is not None
            status = await orders.apply_lost_payment(order_key, payment.id, payment.amount)
            return f"; applied, the order is now {status}"
        if known:
            assert order_key is not None
            await orders.refund_kept_payment(order_key, payment.id, payment.amount, finding.kind)
        else:
            orders.refund_payment_of_unknown_order(order_id, payment.id, payment.amount)
        return "; payment-service was asked to refund it in full"

    async def _repair_reservation(
        self, finding: Finding, reservation: ReservationFact
    ) -> tuple[bool, str]:
        if finding.action == Action.RELEASE:
            response = await self._ledgers.release(reservation.reservation_id)
            done = "released: its units are on sale again"
        else:
            response = await self._ledgers.commit(reservation.reservation_id)
            done = "committed: its units left stock"
        if response.is_success:
            return True, f"; {done}"
        return False, f"; inventory-service refused ({response.status_code}): {response.text[:200]}"

    # --- reads and the run's record -----------------------------------------------------------

    async def _views(self, order_ids: Iterable[str]) -> dict[str, OrderView]:
        keys = {key for key in map(order_uuid, order_ids) if key is not None}
        if not keys:
            return {}
        async with self._session_maker() as session:
            rows = await session.execute(select(*_VIEW_COLUMNS).where(Order.id.in_(keys)))
            return {str(row.id): OrderView(*row) for row in rows}

    async def _orders_changed(
        self, window: Window, statuses: tuple[str, ...], *, with_payment: bool = False
    ) -> list[OrderView]:
        where = [
            Order.status.in_(statuses),
            Order.updated_at > window.start,
            Order.updated_at <= window.end,
        ]
        if with_payment:
            where.append(Order.payment_id.is_not(None))
        async with self._session_maker() as session:
            rows = await session.execute(select(*_VIEW_COLUMNS).where(*where))
            return [OrderView(*row) for row in rows]

    async def _ran_lately(self, session: AsyncSession, now: datetime) -> bool:
        latest = await session.scalar(select(func.max(ReconciliationRun.started_at)))
        return latest is not None and latest > now - timedelta(seconds=self._interval * 0.8)

    async def _window(self, session: AsyncSession, now: datetime) -> Window:
        last_end = await session.scalar(
            select(func.max(ReconciliationRun.window_end)).where(
                ReconciliationRun.finished_at.is_not(None), ReconciliationRun.error.is_(None)
            )
        )
        end = now - self._grace
        start = end - self._lookback
        if last_end is not None:
            start = max(start, min(last_end - self._overlap, end))
        return Window(start, end)

    async def _record_start(self, trigger: str, now: datetime, window: Window) -> uuid.UUID:
        async with self._session_maker() as session, session.begin():
            run = ReconciliationRun(
                trigger=trigger, started_at=now, window_start=window.start, window_end=window.end
            )
            session.add(run)
            await session.flush()
            return run.id

    async def _record_end(self, run_id: uuid.UUID, tally: _Tally, error: str | None) -> None:
        async with self._session_maker() as session, session.begin():
            run = await session.get_one(ReconciliationRun, run_id)
            run.finished_at = datetime.now(UTC)
            run.payments_checked = tally.payments
            run.reservations_checked = tally.reservations
            run.orders_checked = tally.orders
            run.repaired = tally.repaired
            run.unresolved = tally.unresolved
            run.error = error
        if tally.repaired or tally.unresolved:
            _logger.warning(
                "reconciliation repaired discrepancies",
                repaired=tally.repaired,
                unresolved=tally.unresolved,
            )
