"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
  order-service's "create a payment" needs no state: the payment is made by the request itself
  (replayed with a service token holding `payments:create`, see `request_headers`).
  The admin's states make payments through `PaymentService` with the sandbox provider, as a
  customer would, and commit them.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict):
  a payment is created, confirmed (and refunded) through `PaymentService` with the sandbox
  provider, and the envelope its outbox staged is taken; the transaction is rolled back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from shopkit.auth import Principal
from shopkit.messaging import decode_envelope
from shopkit.messaging._models import OutboxMessage
from shopkit.money import Money
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from payment_service.config import Settings
from payment_service.db.models import Payment, ProviderEventLog, Refund
from payment_service.domain.payments.providers import SandboxProvider
from payment_service.domain.payments.schemas import PaymentCreate, RefundCreate
from payment_service.domain.payments.services import PaymentService
from payment_service.events.events import PaymentFailed, PaymentRefunded, PaymentSucceeded

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]
Scenario = Callable[[PaymentService, Principal], Awaitable[str]]


async def _paid(payments: PaymentService, customer: Principal, method: str) -> str:
    payment, _ = await payments.create_payment(
        PaymentCreate(
            order_id=str(uuid.uuid4()), customer_id=customer.subject, amount=Money(1999, "EUR")
        ),
        uuid.uuid4().hex,
    )
    await payments.confirm(customer, payment.id, method)
    return str(payment.id)


async def _succeeded(payments: PaymentService, customer: Principal) -> str:
    return await _paid(payments, customer, "pm_card_visa")


async def _failed(payments: PaymentService, customer: Principal) -> str:
    return await _paid(payments, customer, "pm_card_chargeDeclined")


async def _refunded(payments: PaymentService, customer: Principal) -> str:
    payment_id = await _paid(payments, customer, "pm_card_visa")
    await payments.refund(uuid.UUID(payment_id), RefundCreate(amount=500))
    return payment_id


async def _staged_envelope(settings: Settings, scenario: Scenario, event_type: str) -> bytes:
    """Run `scenario` through the real service and take the envelope of `event_type` its outbox
    staged for that payment (exactly the bytes the relay would publish); then roll back."""
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    customer = Principal(subject=f"customer-{uuid.uuid4().hex[:8]}", roles=frozenset({"customer"}))
    try:
        async with sessions() as session:
            payment_id = await scenario(PaymentService(session, SandboxProvider()), customer)
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.event_type == event_type)
            )
            (payload,) = [row.payload for row in rows if _payment_id(row.payload) == payment_id]
            await session.rollback()
    finally:
        await engine.dispose()
    return bytes(payload)


def _payment_id(payload: bytes) -> str:
    return str(msgspec.json.decode(decode_envelope(payload).payload)["payment_id"])


def _message(scenario: Scenario, event_type: str) -> MessageBuilder:
    def setup(settings: Settings) -> Callable[..., Any]:
        def build(**_: Any) -> dict[str, Any]:
            contents = asyncio.run(_staged_envelope(settings, scenario, event_type))
            envelope = decode_envelope(contents)
            return {
                "contents": contents,
                "metadata": {"routing_key": envelope.type, "message_id": envelope.id},
                "content_type": "application/json",
            }

        return build

    return setup


def _customer() -> Principal:
    return Principal(subject=f"customer-{uuid.uuid4().hex[:8]}", roles=frozenset({"customer"}))


async def _committed(
    settings: Settings, scenario: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session:
            await scenario(session)
            await session.commit()
    finally:
        await engine.dispose()


def failed_payment_exists(settings: Settings) -> Callable[..., None]:
    """One more payment declined by the card (`pm_card_chargeDeclined`): the dashboard's list."""

    def setup(**_: Any) -> None:
        async def scenario(session: AsyncSession) -> None:
            await _failed(PaymentService(session, SandboxProvider()), _customer())

        asyncio.run(_committed(settings, scenario))

    return setup


def captured_payment_exists(settings: Settings) -> Callable[..., None]:
    """The payment `payment_id` (a UUID) of the order `order_id` (default: a new one) of
    `amount` minor units in `currency`, paid with `pm_card_visa` and not refunded. It is
    made afresh: an earlier payment with that id or of that order goes first, with its
    refunds and provider events. The payment is created with the id the service gives it
    and then renamed to `payment_id` before it is confirmed (the service picks its own
    ids; a consumer's pact names one). Running it again changes nothing."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        payment_id = uuid.UUID(str(params["payment_id"]))
        amount = Money(int(params.get("amount", 1999)), str(params.get("currency", "EUR")))
        order_id = str(params.get("order_id", uuid.uuid4()))

        async def scenario(session: AsyncSession) -> None:
            earlier = select(Payment.id).where(
                (Payment.id == payment_id) | (Payment.order_id == order_id)
            )
            await session.execute(
                delete(ProviderEventLog).where(ProviderEventLog.payment_id.in_(earlier))
            )
            await session.execute(delete(Refund).where(Refund.payment_id.in_(earlier)))
            await session.execute(
                delete(Payment).where((Payment.id == payment_id) | (Payment.order_id == order_id))
            )
            payments = PaymentService(session, SandboxProvider())
            customer = _customer()
            created, _ = await payments.create_payment(
                PaymentCreate(order_id=order_id, customer_id=customer.subject, amount=amount),
                uuid.uuid4().hex,
            )
            await session.execute(
                update(Payment).where(Payment.id == created.id).values(id=payment_id)
            )
            session.expunge(created)
            paid = await payments.confirm(customer, payment_id, "pm_card_visa")
            assert paid.status == "succeeded"

        asyncio.run(_committed(settings, scenario))

    return setup


STATES: dict[str, StateSetup] = {
    "a failed payment exists": failed_payment_exists,
    "a captured payment exists": captured_payment_exists,
}
MESSAGES: dict[str, MessageBuilder] = {
    "a payment.succeeded event": _message(_succeeded, PaymentSucceeded.event_type),
    "a payment.failed event": _message(_failed, PaymentFailed.event_type),
    "a payment.refunded event": _message(_refunded, PaymentRefunded.event_type),
}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """The token each consumer really calls with, for its replayed requests: order-service
    creates payments with its service token holding `payments:create` (a customer's or an
    admin's token is refused there) and its reconciliation reads them with
    `payments:read`; the admin lists failed payments and refunds as an admin."""
    if consumer == "order-service":
        # Checkout's token creates payments, the reconciliation's reads them: one token with
        # both scopes replays either kind of request.
        token = token_factory(
            roles=("service",),
            subject="service:order-service",
            scope="payments:create payments:read",
        )
    else:
        token = token_factory(roles=("admin",))
    return {"Authorization": f"Bearer {token}"}
