"""Reservation rules: all lines or none, one reservation per order, every step idempotent.

Locking order: the order id (an advisory lock) or the reservation row first, then the stock
rows in the order `StockService` takes them, so concurrent requests never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import structlog
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.errors import ConflictError, InvalidInputError, InvalidParam, NotFoundError
from shopkit.messaging import Event, Outbox, new_event_id
from shopkit.transactions import commit
from sqlalchemy import ColumnElement, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.config import SLUG
from inventory_service.db.models import Reservation
from inventory_service.domain.reservations.schemas import ReservationCreate
from inventory_service.domain.stock.services import Allocation, StockService, check_sku
from inventory_service.events.events import (
    Released,
    ReservationFailed,
    Reserved,
    ReservedLine,
    ShortLine,
)

ACTIVE, COMMITTED, RELEASED = "active", "committed", "released"
STATUSES = (ACTIVE, COMMITTED, RELEASED)
MAX_LISTED_ORDERS = 100
CANCELLED_BEFORE_RESERVED = "cancelled_before_reserved"
REFUND_RESTOCK = "refund_restock"

_logger = structlog.get_logger("inventory_service.reservations")


@dataclass(frozen=True, slots=True)
class _Shortage:
    """Lines that cannot be held (nothing was), and where each sits in the request."""

    short: list[ShortLine]
    positions: dict[str, int]


class ReservationNotFoundError(NotFoundError):
    code = "reservation-not-found"


class InsufficientStockError(ConflictError):
    """Some lines cannot be reserved; nothing was."""

    code = "insufficient-stock"

    def __init__(self, short: list[ShortLine], positions: dict[str, int]) -> None:
        names = ", ".join(line.sku for line in short)
        super().__init__(
            f"Not enough stock for: {names}. Nothing was reserved.",
            invalid_params=[
                InvalidParam(
                    name=f"lines[{positions[line.sku]}].quantity",
                    reason=f"{line.sku}: {line.requested} requested, {line.available} available",
                )
                for line in short
            ],
        )
        self.short = short


class ReservationClosedError(ConflictError):
    code = "reservation-closed"


class OrderAlreadyReservedError(ConflictError):
    code = "order-already-reserved"


# Built once (see domain/stock/_repositories.py): the saga's reads run on every order.
_ORDER_ID = bindparam("order_id", type_=String)
_LOCK_ORDER = select(func.pg_advisory_xact_lock(func.hashtextextended(_ORDER_ID, 0)))
_FOR_ORDER = select(Reservation).where(Reservation.order_id == _ORDER_ID)
_LOCK = select(Reservation).where(Reservation.id == bindparam("id")).with_for_update()
_LOCK_FOR_ORDER = (
    select(Reservation)
    .where(Reservation.order_id == _ORDER_ID)
    .with_for_update()
    .execution_options(populate_existing=True)
)


class ReservationRepository(SQLAlchemyAsyncRepository[Reservation]):
    model_type = Reservation

    async def lock_order(self, order_id: str) -> None:
        """Serialise requests for one order until the transaction ends."""
        await self.session.execute(_LOCK_ORDER, {"order_id": order_id})

    async def for_order(self, order_id: str) -> Reservation | None:
        return await self.session.scalar(_FOR_ORDER, {"order_id": order_id})

    async def lock(self, reservation_id: UUID) -> Reservation | None:
        return await self.session.scalar(_LOCK, {"id": reservation_id})

    async def lock_for_order(self, order_id: str) -> Reservation | None:
        """The order's reservation row, locked (one statement: `order_id` is unique)."""
        return await self.session.scalar(_LOCK_FOR_ORDER, {"order_id": order_id})

    async def page(
        self,
        *,
        status: str | None,
        order_ids: Sequence[str],
        created_before: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Reservation], int]:
        """Oldest first; every filter given narrows the list."""
        where: list[ColumnElement[bool]] = []
        if status is not None:
            where.append(Reservation.status == status)
        if order_ids:
            where.append(Reservation.order_id.in_(list(order_ids)))
        if created_before is not None:
            where.append(Reservation.created_at <= created_before)
        total = await self.session.scalar(
            select(func.count()).select_from(Reservation).where(*where)
        )
        rows = await self.session.scalars(
            select(Reservation)
            .where(*where)
            .order_by(Reservation.created_at, Reservation.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), int(total or 0)

    async def claim_expired(self, now: datetime) -> Reservation | None:
        """One expired active reservation no other replica is working on."""
        return await self.session.scalar(
            select(Reservation)
            .where(Reservation.status == ACTIVE, Reservation.expires_at <= now)
            .order_by(Reservation.expires_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )

    def publish(self, event: Event) -> None:
        """Stage `event` in the outbox, in this transaction."""
        Outbox.add(self._session, event, SLUG)

    async def undo_then_commit(self, event: Event) -> None:
        """Undo everything this transaction did, then commit `event` alone."""
        await self._session.rollback()
        Outbox.add(self._session, event, SLUG)
        await commit(self._session)

    @property
    def _session(self) -> AsyncSession:
        session: AsyncSession = self.session  # type: ignore[assignment]
        return session


def _allocations(reservation: Reservation) -> list[Allocation]:
    return [
        Allocation(a["sku"], a["warehouse"], int(a["quantity"])) for a in reservation.allocations
    ]


class ReservationService(SQLAlchemyAsyncRepositoryService[Reservation]):
    repository_type = ReservationRepository

    def __init__(self, session: AsyncSession, *, stock: StockService, **kwargs: Any) -> None:
        super().__init__(session=session, **kwargs)
        self.stock = stock
        self.reservations: ReservationRepository = self.repository  # type: ignore[assignment]

    async def find(self, reservation_id: UUID) -> Reservation:
        reservation = await self.get_one_or_none(Reservation.id == reservation_id)
        if reservation is None:
            raise ReservationNotFoundError(f"No reservation {reservation_id}.")
        return reservation

    async def list_reservations(
        self,
        *,
        status: str | None,
        order_ids: Sequence[str],
        created_before: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Reservation], int]:
        """For order-service's reconciliation (and admins): the reservations still held a while
        after they were made, or those of given orders."""
        if status is not None and status not in STATUSES:
            raise InvalidInputError("status", f"one of {', '.join(STATUSES)}")
        if len(order_ids) > MAX_LISTED_ORDERS:
            raise InvalidInputError("order_id", f"at most {MAX_LISTED_ORDERS} at once")
        if created_before is not None and created_before.tzinfo is None:
            raise InvalidInputError(
                "created_before", "needs a time zone (for example 2026-12-07T10:00:00Z)"
            )
        return await self.reservations.page(
            status=status,
            order_ids=order_ids,
            created_before=created_before,
            limit=limit,
            offset=offset,
        )

    async def reserve(self, data: ReservationCreate) -> tuple[Reservation, bool]:
        """(reservation, created). The same order always gets the same reservation back.

        A shortage is announced (`inventory.reservation_failed`, committed on its own) and
        raised as a 409."""
        outcome = await self._reserve(data)
        if isinstance(outcome, _Shortage):
            await self._announce_failure(data.order_id, outcome.short)
            raise InsufficientStockError(outcome.short, outcome.positions)
        return outcome

    async def reserve_for_order(
        self, order_id: str, lines: Sequence[tuple[str, int]], ttl_seconds: int | None
    ) -> Reservation | None:
        """The saga's step for `order.placed`: hold every line or none, and always answer.

        The outcome (`inventory.reserved` or `inventory.reservation_failed`) goes to the outbox
        in the caller's transaction. An order this service cannot reserve as asked (a malformed
        SKU, a SKU twice) fails with reason `invalid_order` rather than going unanswered; a TTL
        above the maximum is cut to it. A cancelled order is not reserved any more.
        """
        ttl = None if ttl_seconds is None else max(1, ttl_seconds)
        if ttl is not None:
            ttl = min(ttl, self.stock.settings.max_reservation_ttl_seconds)
        asked: dict[str, Any] = {
            "order_id": order_id,
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        }
        if ttl is not None:
            asked["ttl_seconds"] = ttl
        try:
            # Validated like an HTTP body: whole positive quantities, 1-100 lines.
            data = msgspec.convert(asked, ReservationCreate)
            outcome = await self._reserve(data)
        except (InvalidInputError, msgspec.ValidationError) as exc:
            _logger.warning("order cannot be reserved as asked", order_id=order_id, error=str(exc))
            self._publish(ReservationFailed(order_id=order_id, reason="invalid_order", lines=[]))
            return None
        if isinstance(outcome, _Shortage):
            self._publish(
                ReservationFailed(
                    order_id=order_id, reason="insufficient_stock", lines=outcome.short
                )
            )
            return None
        return outcome[0]

    async def _reserve(self, data: ReservationCreate) -> tuple[Reservation, bool] | _Shortage:
        """Hold the lines, or (having written nothing) say which are short."""
        settings = self.stock.settings
        ttl = (
            data.ttl_seconds
            if isinstance(data.ttl_seconds, int)
            else settings.reservation_ttl_seconds
        )
        if ttl > settings.max_reservation_ttl_seconds:
            raise InvalidInputError(
                "ttl_seconds", f"at most {settings.max_reservation_ttl_seconds} seconds"
            )
        wanted: dict[str, int] = {}
        positions: dict[str, int] = {}
        for index, line in enumerate(data.lines):
            check_sku(line.sku, f"lines[{index}].sku")
            if line.sku in wanted:
                raise InvalidInputError(f"lines[{index}].sku", "each SKU may appear once")
            wanted[line.sku] = line.quantity
            positions[line.sku] = index

        await self.reservations.lock_order(data.order_id)
        existing = await self.reservations.for_order(data.order_id)
        if existing is not None:
            if existing.closed_reason == CANCELLED_BEFORE_RESERVED:
                return existing, False
            if {line["sku"]: line["quantity"] for line in existing.lines} != wanted:
                raise OrderAlreadyReservedError(
                    f"Order {data.order_id} already has a reservation with other lines."
                )
            return existing, False

        reservation_id = UUID(new_event_id())  # time-ordered (uuid7)
        allocations, short = await self.stock.hold(wanted, reference=str(reservation_id))
        if short:
            return _Shortage(short, positions)
        expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
        lines = [{"sku": line.sku, "quantity": line.quantity} for line in data.lines]
        reservation = await self.create(
            Reservation(
                id=reservation_id,
                order_id=data.order_id,
                status=ACTIVE,
                expires_at=expires_at,
                lines=lines,
                allocations=[a.as_dict() for a in allocations],
            ),
            auto_refresh=False,  # every column is set here: reading the row back adds nothing
        )
        self._publish(
            Reserved(
                reservation_id=str(reservation_id),
                order_id=data.order_id,
                lines=[ReservedLine(line["sku"], line["quantity"]) for line in lines],
                expires_at=expires_at,
            )
        )
        return reservation, True

    def _publish(self, event: Event) -> None:
        self.reservations.publish(event)

    async def _announce_failure(self, order_id: str, short: list[ShortLine]) -> None:
        """Undo everything this transaction did, then commit only the failure event."""
        await self.reservations.undo_then_commit(
            ReservationFailed(order_id=order_id, reason="insufficient_stock", lines=short)
        )

    async def commit(self, reservation_id: UUID) -> Reservation:
        """The order is paid: held units leave stock. Committing twice changes nothing."""
        return await self._commit(await self._locked(reservation_id))

    async def _commit(self, reservation: Reservation) -> Reservation:
        """`commit` of a reservation this transaction holds locked."""
        if reservation.status == COMMITTED:
            return reservation
        if reservation.status != ACTIVE:
            raise ReservationClosedError(
                f"Reservation {reservation.id} was {reservation.closed_reason}"
                " and can no longer be committed."
            )
        await self.stock.unhold(
            _allocations(reservation), sold=True, reason="commit", reference=str(reservation.id)
        )
        reservation.status = COMMITTED
        reservation.closed_reason = "committed"
        return reservation

    async def release(self, reservation_id: UUID, *, reason: str = "released") -> Reservation:
        """Held units go back to availability. Releasing twice changes nothing."""
        return await self._release(await self._locked(reservation_id), reason)

    async def release_expired(self, now: datetime | None = None) -> Reservation | None:
        """Release one reservation whose time is up (the caller commits); None when none is."""
        reservation = await self.reservations.claim_expired(now or datetime.now(UTC))
        if reservation is None:
            return None
        return await self._release(reservation, "expired")

    # -- the saga's steps, by order id (event handlers; each runs in the inbox's transaction) --

    async def commit_order(self, order_id: str) -> Reservation | None:
        """`order.confirmed`: the order's units are sold. Its reservation must exist (raising
        lets the inbox retry while `order.placed` is still on its way); one that was already
        released (expired before payment) cannot be sold any more and is logged, not retried."""
        reservation = await self._locked_for_order(order_id)
        if reservation is None:
            raise ReservationNotFoundError(f"No reservation for order {order_id}.")
        if reservation.status == RELEASED:
            _logger.error(
                "confirmed order's reservation was already released; nothing committed",
                order_id=order_id,
                reservation_id=str(reservation.id),
                closed_reason=reservation.closed_reason,
            )
            return reservation
        return await self._commit(reservation)

    async def release_order(self, order_id: str) -> Reservation:
        """`order.cancelled`: units still held go back. A committed reservation stays sold
        (a refund with `restock` brings units back). With no reservation yet, a released,
        empty one is recorded, so an `order.placed` arriving late reserves nothing."""
        await self.reservations.lock_order(order_id)
        reservation = await self._locked_for_order(order_id)
        if reservation is None:
            return await self.create(
                Reservation(
                    id=UUID(new_event_id()),
                    order_id=order_id,
                    status=RELEASED,
                    expires_at=datetime.now(UTC),
                    lines=[],
                    allocations=[],
                    closed_reason=CANCELLED_BEFORE_RESERVED,
                )
            )
        if reservation.status == COMMITTED:
            _logger.warning(
                "cancelled order's reservation was already committed; left sold",
                order_id=order_id,
                reservation_id=str(reservation.id),
            )
            return reservation
        return await self._release(reservation, "released")

    async def restock_order(self, order_id: str, lines: Sequence[tuple[str, int]]) -> int:
        """`order.refunded` with `restock`: sold units come back on hand (ledger reason
        `refund_restock`), at most what the order's reservation committed per SKU, counting
        what earlier refunds already put back, so no unit comes back twice. No `lines` means
        every committed unit. Returns how many units came back."""
        reservation = await self._locked_for_order(order_id)
        if reservation is None or reservation.status != COMMITTED:
            _logger.warning(
                "refund restock skipped: the order's stock was never sold",
                order_id=order_id,
                status=None if reservation is None else reservation.status,
            )
            return 0
        reference = str(reservation.id)
        done = await self.stock.put_back_so_far(reference, REFUND_RESTOCK)
        asked: dict[str, int] = {}
        for sku, quantity in lines or [(a.sku, a.quantity) for a in _allocations(reservation)]:
            asked[sku] = asked.get(sku, 0) + quantity
        back: list[Allocation] = []
        for sku, quantity in sorted(asked.items()):
            # What is still out, per warehouse it came from: skip what earlier refunds returned.
            already = done.get(sku, 0)
            for allocation in _allocations(reservation):
                if allocation.sku != sku or quantity <= 0:
                    continue
                skipped = min(already, allocation.quantity)
                already -= skipped
                take = min(quantity, allocation.quantity - skipped)
                if take > 0:
                    back.append(Allocation(sku, allocation.warehouse, take))
                    quantity -= take
        if back:
            await self.stock.put_back(back, reason=REFUND_RESTOCK, reference=reference)
        return sum(a.quantity for a in back)

    async def _locked_for_order(self, order_id: str) -> Reservation | None:
        return await self.reservations.lock_for_order(order_id)

    async def _locked(self, reservation_id: UUID) -> Reservation:
        reservation = await self.reservations.lock(reservation_id)
        if reservation is None:
            raise ReservationNotFoundError(f"No reservation {reservation_id}.")
        return reservation

    async def _release(self, reservation: Reservation, reason: str) -> Reservation:
        if reservation.status == RELEASED:
            return reservation
        if reservation.status != ACTIVE:
            raise ReservationClosedError(
                f"Reservation {reservation.id} was committed and can no longer be released."
            )
        await self.stock.unhold(
            _allocations(reservation),
            sold=False,
            reason="expire" if reason == "expired" else "release",
            reference=str(reservation.id),
        )
        reservation.status = RELEASED
        reservation.closed_reason = reason
        self._publish(
            Released(
                reservation_id=str(reservation.id), order_id=reservation.order_id, reason=reason
            )
        )
        return reservation
