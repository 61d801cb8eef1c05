"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict):
  an order is placed and moved through the saga by the real `OrderService`, and the envelope
  its outbox staged is taken as it would be relayed; the transaction is then rolled back.

The admin's state places an order and moves it through the saga the same way, and commits it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from shopkit.messaging import decode_envelope
from shopkit.messaging._models import OutboxMessage
from shopkit.money import Money
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from order_service.config import Settings
from order_service.db import models
from order_service.domain.orders import OrderService
from order_service.domain.orders._pricing import PricedLine
from order_service.domain.orders.schemas import OrderCreate, ShippingAddress
from order_service.domain.orders.services import PlaceOrder, order_id_for
from order_service.events.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderPaymentRejected,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
)

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]
Steps = Callable[[OrderService, uuid.UUID], Awaitable[None]]

CUSTOMER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000c001"


def _place_order(key: str) -> PlaceOrder:
    unit = Money(1999, "EUR")
    line = PricedLine(
        sku="SKU-1", name="Tee, red, M", quantity=2, unit_price=unit, line_total=unit * 2
    )
    return PlaceOrder(
        order_id=order_id_for(CUSTOMER_ID, key),
        customer_id=CUSTOMER_ID,
        customer_email="ada@example.com",
        idempotency_key=key,
        request_hash="0" * 64,
        request=OrderCreate(
            cart_id="5b1f3c9e-8d2a-4c6b-9e1f-0a2b3c4d5e6f",
            shipping_address=ShippingAddress(
                name="Ada Lovelace",
                line1="12 Analytical Row",
                line2="Flat 3",
                city="London",
                postal_code="N1 9GU",
                country="GB",
            ),
            currency="EUR",
        ),
        exchange_rate="1",
        lines=[line],
        total=unit * 2,
        payment_id=str(uuid.uuid4()),
    )


async def _staged_envelope(settings: Settings, event_type: str, steps: Steps) -> bytes:
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session:
            orders = OrderService(
                session=session,
                payment_timeout_seconds=settings.order.payment_timeout_seconds,
            )
            order, _ = await orders.place(_place_order(f"pact-{uuid.uuid4()}"))
            await steps(orders, order.id)
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.event_type == event_type)
            )
            (payload,) = [
                row.payload
                for row in rows
                if str(order.id) in bytes(decode_envelope(row.payload).payload).decode()
            ]
            await session.rollback()
    finally:
        await engine.dispose()
    return bytes(payload)


async def _nothing(_orders: OrderService, _order_id: uuid.UUID) -> None:
    return None


async def _pay(orders: OrderService, order_id: uuid.UUID) -> None:
    """The order's own payment succeeds, for its total."""
    order = await orders.get(order_id)
    assert order.payment_id is not None
    await orders.payment_succeeded(order_id, order.payment_id, Money(order.total, order.currency))


async def _confirm(orders: OrderService, order_id: uuid.UUID) -> None:
    await orders.stock_reserved(order_id, f"res-{uuid.uuid4()}")
    await _pay(orders, order_id)


async def _reject(orders: OrderService, order_id: uuid.UUID) -> None:
    """A payment that is not the order's own succeeds for it (one cent): it is rejected."""
    await orders.stock_reserved(order_id, f"res-{uuid.uuid4()}")
    await orders.payment_succeeded(order_id, str(uuid.uuid4()), Money(1, "EUR"))


async def _decline(orders: OrderService, order_id: uuid.UUID) -> None:
    await orders.stock_reserved(order_id, f"res-{uuid.uuid4()}")
    await orders.payment_failed(order_id)


async def _ship(orders: OrderService, order_id: uuid.UUID) -> None:
    await _confirm(orders, order_id)
    await orders.ship(order_id)


async def _refund(orders: OrderService, order_id: uuid.UUID) -> None:
    await _confirm(orders, order_id)
    order = await orders.get(order_id)
    assert order.payment_id is not None
    await orders.payment_refunded(
        order_id, order.payment_id, Money(3998, "EUR"), Money(3998, "EUR")
    )


def _builder(event_type: str, steps: Steps) -> MessageBuilder:
    def setup(settings: Settings) -> Callable[..., Any]:
        def build(**_: Any) -> dict[str, Any]:
            contents = asyncio.run(_staged_envelope(settings, event_type, steps))
            envelope = decode_envelope(contents)
            return {
                "contents": contents,
                "metadata": {"routing_key": envelope.type, "message_id": envelope.id},
                "content_type": "application/json",
            }

        return build

    return setup


def confirmed_order_exists(settings: Settings) -> Callable[..., None]:
    """The order `order_id` (a UUID) with the payment `payment_id`, two lines of SKU-1 (EUR
    39.98), placed, reserved and paid by the real `OrderService`: `confirmed`, with its status
    history. It is made afresh: an earlier order with that id goes first (lines and history
    with it). Running it again changes nothing."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        order_id = uuid.UUID(str(params["order_id"]))
        payment_id = str(params.get("payment_id") or uuid.uuid4())

        async def confirm() -> None:
            engine = create_async_engine(settings.database.url)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            try:
                async with sessions() as session:
                    await session.execute(delete(models.Order).where(models.Order.id == order_id))
                    orders = OrderService(
                        session=session,
                        payment_timeout_seconds=settings.order.payment_timeout_seconds,
                    )
                    placed = msgspec.structs.replace(
                        _place_order(f"pact-{uuid.uuid4()}"),
                        order_id=order_id,
                        payment_id=payment_id,
                    )
                    order, _ = await orders.place(placed)
                    await _confirm(orders, order.id)
                    await session.commit()
            finally:
                await engine.dispose()

        asyncio.run(confirm())

    return setup


def reconciliation_found_something(settings: Settings) -> Callable[..., None]:
    """The latest reconciliation run found (and repaired) money kept on a cancelled order: a
    run and its finding as the reconciler records them, newest of all."""

    def setup(**_: Any) -> None:
        async def record() -> None:
            engine = create_async_engine(settings.database.url)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            now = datetime.now(UTC)
            try:
                async with sessions() as session, session.begin():
                    session.add(
                        models.ReconciliationRun(
                            trigger="schedule",
                            started_at=now,
                            finished_at=now,
                            window_start=now - timedelta(minutes=3),
                            window_end=now - timedelta(minutes=1),
                            payments_checked=1,
                            reservations_checked=0,
                            orders_checked=1,
                            repaired=1,
                            unresolved=0,
                            findings=[
                                models.ReconciliationFinding(
                                    kind="money_kept_on_cancelled_order",
                                    order_id=str(uuid.uuid4()),
                                    payment_id=str(uuid.uuid4()),
                                    action="refund_requested",
                                    repaired=True,
                                    detail="the payment is still captured; the order is cancelled",
                                )
                            ],
                        )
                    )
            finally:
                await engine.dispose()

        asyncio.run(record())

    return setup


STATES: dict[str, StateSetup] = {
    "a confirmed order exists": confirmed_order_exists,
    "a reconciliation run found a discrepancy": reconciliation_found_something,
}
MESSAGES: dict[str, MessageBuilder] = {
    "an order.placed event": _builder(OrderPlaced.event_type, _nothing),
    "an order.confirmed event": _builder(OrderConfirmed.event_type, _confirm),
    "an order.cancelled event": _builder(OrderCancelled.event_type, _decline),
    "an order.shipped event": _builder(OrderShipped.event_type, _ship),
    "an order.refunded event": _builder(OrderRefunded.event_type, _refund),
    "an order.payment_rejected event": _builder(OrderPaymentRejected.event_type, _reject),
}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """An admin's token for every replayed request: the admin lists, reads, ships and cancels
    every customer's orders."""
    del consumer  # every consumer's requests carry the same headers
    return {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}
