"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from shopkit.messaging import decode_envelope
from shopkit.messaging._models import OutboxMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from inventory_service.config import Settings
from inventory_service.domain.stock.schemas import StockSet
from inventory_service.domain.stock.services import StockService
from inventory_service.events.events import StockChanged

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]


async def _stock_changed_envelope(settings: Settings) -> bytes:
    """Change a SKU's stock through the real service and take the envelope its outbox staged
    (exactly the bytes the relay would publish); the change itself is rolled back."""
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    sku = f"PACT-{uuid.uuid4().hex[:8].upper()}"
    try:
        async with sessions() as session:
            await StockService(session, settings=settings.inventory).set_stock(
                sku, StockSet(on_hand=12)
            )
            # This transaction's own rows (flushed, not committed): the event about our SKU.
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.event_type == StockChanged.event_type)
            )
            (payload,) = [
                row.payload
                for row in rows
                if msgspec.json.decode(decode_envelope(row.payload).payload)["sku"] == sku
            ]
            await session.rollback()
    finally:
        await engine.dispose()
    return bytes(payload)


def stock_changed(settings: Settings) -> Callable[..., Any]:
    def build(**_: Any) -> dict[str, Any]:
        contents = _run(_stock_changed_envelope(settings))
        envelope = decode_envelope(contents)
        return {
            "contents": contents,
            "metadata": {"routing_key": envelope.type, "message_id": envelope.id},
            "content_type": "application/json",
        }

    return build


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


STATES: dict[str, StateSetup] = {}
MESSAGES: dict[str, MessageBuilder] = {"an inventory.stock_changed event": stock_changed}
