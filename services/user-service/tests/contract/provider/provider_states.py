"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).

Each message is made by the real flow (`AuthService.register`, `request_password_reset`) against
the test database; the message is the envelope exactly as the outbox staged it (the bytes the
relay would publish), and the transaction is then rolled back, so no account is left behind.
Pact calls these from its own threads, where no event loop runs, hence `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from shopkit.messaging import OutboxMessage, decode_envelope
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from user_service.config import Settings
from user_service.domain.accounts.schemas import UserCreate
from user_service.domain.auth import Identity
from user_service.domain.auth.services import AuthService
from user_service.events.events import PasswordResetRequested, UserRegistered

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]
Flow = Callable[[AuthService, str], Awaitable[None]]


async def _staged(settings: Settings, event_type: str, flow: Flow) -> bytes:
    """Run `flow` for a new address in one transaction; the envelope of `event_type` it staged
    for that address. Rolled back afterwards."""
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    identity = Identity(settings, sessions)
    email = f"pact-{uuid.uuid4().hex[:10]}@example.com"
    try:
        async with sessions() as session:
            await flow(AuthService(session, identity), email)
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.event_type == event_type)
            )
            (payload,) = [row.payload for row in rows if email.encode() in row.payload]
            await session.rollback()
    finally:
        await identity.redis.aclose()
        await engine.dispose()
    return bytes(payload)


def _builder(settings: Settings, event_type: str, flow: Flow) -> Callable[..., dict[str, Any]]:
    def build(**_: Any) -> dict[str, Any]:
        contents = asyncio.run(_staged(settings, event_type, flow))
        envelope = decode_envelope(contents)
        return {
            "contents": contents,
            "metadata": {"routing_key": envelope.type, "message_id": envelope.id},
            "content_type": "application/json",
        }

    return build


async def _register(auth: AuthService, email: str) -> None:
    await auth.register(UserCreate(email=email, password="correct-horse-42", name="Ada Lovelace"))


async def _register_and_ask_for_a_reset(auth: AuthService, email: str) -> None:
    await _register(auth, email)
    await auth.request_password_reset(email)


def user_registered(settings: Settings) -> Callable[..., dict[str, Any]]:
    return _builder(settings, UserRegistered.event_type, _register)


def password_reset_requested(settings: Settings) -> Callable[..., dict[str, Any]]:
    return _builder(settings, PasswordResetRequested.event_type, _register_and_ask_for_a_reset)


STATES: dict[str, StateSetup] = {}
MESSAGES: dict[str, MessageBuilder] = {
    "a user.registered event": user_registered,
    "a user.password_reset_requested event": password_reset_requested,
}


def request_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    """Headers for every replayed HTTP request: none needed (the JWKS is public)."""
    del token_factory
    return {}
