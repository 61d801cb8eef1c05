"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).

Each message is made by a real operation through the real services against the test database;
the message is the envelope exactly as the outbox staged it (the bytes the relay would publish),
and the operation is then rolled back. Pact calls these from its own threads, where no event
loop runs, so each call runs its coroutine with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from shopkit.messaging import decode_envelope
from shopkit.messaging._models import OutboxMessage
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from inventory_service.config import Settings
from inventory_service.db.models import Reservation, Stock
from inventory_service.domain.reservations.services import ACTIVE, ReservationService
from inventory_service.domain.stock.controllers import parse_skus
from inventory_service.domain.stock.schemas import MAX_LOOKUP_SKUS, StockSet
from inventory_service.domain.stock.services import StockService
from inventory_service.events.events import (
    LowStock,
    ReservationFailed,
    Reserved,
    StockChanged,
)

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]
Operation = Callable[[AsyncSession], Awaitable[Any]]


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _pact_sku() -> str:
    return f"PACT-{uuid.uuid4().hex[:8].upper()}"


def _stock(settings: Settings, session: AsyncSession) -> StockService:
    return StockService(session, settings=settings.inventory)


def _reservations(settings: Settings, session: AsyncSession) -> ReservationService:
    return ReservationService(session, stock=_stock(settings, session))


async def _session_run(settings: Settings, operation: Operation, *, commit: bool) -> Any:
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session:
            result = await operation(session)
            if commit:
                await session.commit()
            else:
                await session.rollback()
            return result
    finally:
        await engine.dispose()


def _message(
    settings: Settings, event_type: str, operation: Operation, about: Callable[[Any], bool]
) -> Callable[..., dict[str, Any]]:
    """A builder: run `operation`, take the one `event_type` envelope it staged whose payload
    `about` accepts (flushed, never committed: the change is rolled back)."""

    async def staged(session: AsyncSession) -> bytes:
        await operation(session)
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.event_type == event_type)
        )
        (payload,) = [
            row.payload
            for row in rows
            if about(msgspec.json.decode(decode_envelope(row.payload).payload))
        ]
        return bytes(payload)

    def build(**_: Any) -> dict[str, Any]:
        contents = _run(_session_run(settings, staged, commit=False))
        envelope = decode_envelope(contents)
        return {
            "contents": contents,
            "metadata": {"routing_key": envelope.type, "message_id": envelope.id},
            "content_type": "application/json",
        }

    return build


# --- messages ---------------------------------------------------------------------------------


def stock_changed(settings: Settings) -> Callable[..., Any]:
    sku = _pact_sku()

    async def operation(session: AsyncSession) -> None:
        await _stock(settings, session).set_stock(sku, StockSet(on_hand=12))

    return _message(settings, StockChanged.event_type, operation, lambda p: p["sku"] == sku)


def low_stock(settings: Settings) -> Callable[..., Any]:
    """A count below the SKU's threshold (the alert notification-service tells admins about)."""
    sku = _pact_sku()

    async def operation(session: AsyncSession) -> None:
        await _stock(settings, session).set_stock(sku, StockSet(on_hand=2, low_stock_threshold=5))

    return _message(settings, LowStock.event_type, operation, lambda p: p["sku"] == sku)


def reserved(settings: Settings) -> Callable[..., Any]:
    """An order's two lines held, as the `order.placed` handler does it."""
    order_id = str(uuid.uuid4())  # order-service ids are UUIDs

    async def operation(session: AsyncSession) -> None:
        shirt, mug = _pact_sku(), _pact_sku()
        stock = _stock(settings, session)
        await stock.set_stock(shirt, StockSet(on_hand=5))
        await stock.set_stock(mug, StockSet(on_hand=5))
        reservation = await _reservations(settings, session).reserve_for_order(
            order_id, [(shirt, 2), (mug, 1)], 900
        )
        assert reservation is not None

    return _message(settings, Reserved.event_type, operation, lambda p: p["order_id"] == order_id)


def reservation_failed(settings: Settings) -> Callable[..., Any]:
    """An order asking for more than there is, as the `order.placed` handler answers it."""
    order_id = str(uuid.uuid4())  # order-service ids are UUIDs

    async def operation(session: AsyncSession) -> None:
        sku = _pact_sku()
        await _stock(settings, session).set_stock(sku, StockSet(on_hand=1))
        reservation = await _reservations(settings, session).reserve_for_order(
            order_id, [(sku, 3)], 900
        )
        assert reservation is None

    return _message(
        settings, ReservationFailed.event_type, operation, lambda p: p["order_id"] == order_id
    )


# --- states -----------------------------------------------------------------------------------


def stock_exists(settings: Settings) -> Callable[..., None]:
    """Each of `skus` (comma-separated) has exactly `available` units (default 5) on hand in the
    default warehouse, none elsewhere and nothing reserved: active reservations holding them are
    released first, through the real services. Running it again changes nothing."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        asked = params.get("skus", "SKU-1")
        skus = parse_skus(asked if isinstance(asked, str) else ",".join(asked), MAX_LOOKUP_SKUS)
        available = int(params.get("available", 5))

        async def operation(session: AsyncSession) -> None:
            reservations = _reservations(settings, session)
            active = await session.scalars(select(Reservation).where(Reservation.status == ACTIVE))
            for reservation in active.all():
                if any(line["sku"] in skus for line in reservation.lines):
                    await reservations.release(reservation.id)
            stock = _stock(settings, session)
            default = settings.inventory.default_warehouse
            others = await session.scalars(
                select(Stock).where(Stock.sku.in_(skus), Stock.warehouse != default)
            )
            for row in others.all():
                await stock.set_stock(row.sku, StockSet(on_hand=0, warehouse=row.warehouse))
            for sku in skus:
                await stock.set_stock(sku, StockSet(on_hand=available))

        _run(_session_run(settings, operation, commit=True))

    return setup


def _reservation_exists(status: str) -> StateSetup:
    """The reservation `reservation_id` of the order `order_id` (both UUIDs, as order-service
    names them) holding one unit of a fresh SKU, then left `status` (active, or committed by
    the real service). It is made afresh: an earlier reservation of that id or order goes
    first. Running it again changes nothing."""

    def state(settings: Settings) -> Callable[..., None]:
        def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
            params = parameters or {}
            order_id = str(params.get("order_id", uuid.uuid4()))
            reservation_id = uuid.UUID(str(params.get("reservation_id", uuid.uuid4())))

            async def operation(session: AsyncSession) -> None:
                await session.execute(
                    delete(Reservation).where(
                        (Reservation.id == reservation_id) | (Reservation.order_id == order_id)
                    )
                )
                sku = _pact_sku()
                await _stock(settings, session).set_stock(sku, StockSet(on_hand=5))
                reservations = _reservations(settings, session)
                made = await reservations.reserve_for_order(order_id, [(sku, 1)], 900)
                assert made is not None
                await session.execute(
                    update(Reservation).where(Reservation.id == made.id).values(id=reservation_id)
                )
                session.expunge(made)
                if status == "committed":
                    await reservations.commit(reservation_id)

            _run(_session_run(settings, operation, commit=True))

        return setup

    return state


STATES: dict[str, StateSetup] = {
    "stock exists": stock_exists,
    "an active reservation exists": _reservation_exists(ACTIVE),
    "a committed reservation exists": _reservation_exists("committed"),
}
MESSAGES: dict[str, MessageBuilder] = {
    "an inventory.stock_changed event": stock_changed,
    "an inventory.low_stock event": low_stock,
    "an inventory.reserved event": reserved,
    "an inventory.reservation_failed event": reservation_failed,
}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """The token each consumer really calls with: order-service's reconciliation reads,
    releases and commits reservations with its service token; everyone else's replayed
    requests carry an admin's (the admin sets and adjusts stock and reads the movements; the
    other routes consumers use are public and ignore it)."""
    if consumer == "order-service":
        token = token_factory(roles=("service",), subject="service:order-service")
    else:
        token = token_factory(roles=("admin",))
    return {"Authorization": f"Bearer {token}"}
