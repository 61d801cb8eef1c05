"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
  order-service's "create a payment" needs no state: the payment is made by the request itself.
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
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from payment_service.config import Settings
from payment_service.domain.payments.providers import SandboxProvider
from payment_service.domain.payments.schemas import PaymentCreate, RefundCreate
from payment_service.domain.payments.services import PaymentService
from payment_service.events.events import PaymentFailed, PaymentRefunded, PaymentSucceeded

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]
Scenario = Callable[[PaymentService, Principal], Awaitable[str]]


async def _paid(payments: PaymentService, customer: Principal, method: str) -> str:
    payment, _ = await payments.create_payment(
        customer,
        PaymentCreate(order_id=str(uuid.uuid4()), amount=Money(1999, "EUR")),
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


STATES: dict[str, StateSetup] = {}
MESSAGES: dict[str, MessageBuilder] = {
    "a payment.succeeded event": _message(_succeeded, PaymentSucceeded.event_type),
    "a payment.failed event": _message(_failed, PaymentFailed.event_type),
    "a payment.refunded event": _message(_refunded, PaymentRefunded.event_type),
}


def request_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    """order-service creates payments with its customer's token: replay with one we accept."""
    return {"Authorization": f"Bearer {token_factory(roles=('customer',))}"}
