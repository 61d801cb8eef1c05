"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).

Each message is made by the real flow (`AuthService.register`, `request_password_reset`) against
the test database; the message is the envelope exactly as the outbox staged it (the bytes the
relay would publish), and the transaction is then rolled back, so no account is left behind.
Pact calls these from its own threads, where no event loop runs, hence `asyncio.run`.

Replayed requests carry `request_headers`' bearer token. This service trusts only the keys in
its own key table (it never asks a JWKS), so that token is signed by `replay_key()`, a real
signing key the states store in the table as a rotation would, and names `ADMIN_ID`, the
account "an admin account exists" keeps with the pact's email and password.

"the service client order-service is registered" (param `scope`) holds by the test settings'
development defaults; the state checks them and makes sure a signing key exists.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import jwt
from shopkit.auth import ROLE_ADMIN, ROLE_CUSTOMER, SigningKey, TokenIssuer, generate_signing_key
from shopkit.messaging import OutboxMessage, decode_envelope
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from user_service.config import Settings
from user_service.db import models
from user_service.domain.accounts._passwords import Passwords
from user_service.domain.accounts.schemas import UserCreate
from user_service.domain.accounts.services import UserService, normalise_email
from user_service.domain.auth import Identity
from user_service.domain.auth._keys import SigningKeyService
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
    await auth.request_password_reset(email, client_ip=f"pact-{uuid.uuid4().hex[:8]}")


def user_registered(settings: Settings) -> Callable[..., dict[str, Any]]:
    return _builder(settings, UserRegistered.event_type, _register)


def password_reset_requested(settings: Settings) -> Callable[..., dict[str, Any]]:
    return _builder(settings, PasswordResetRequested.event_type, _register_and_ask_for_a_reset)


# --- states -----------------------------------------------------------------------------------

ADMIN_ID = uuid.UUID("0193a5b2-7c1d-7e4f-9a10-00000000e001")
"""The account the replayed bearer token names."""
ADMIN_ROLES = (ROLE_ADMIN, ROLE_CUSTOMER)


@cache
def replay_key() -> SigningKey:
    """The key signing the replayed token: one per test process, RS256 like the service's own."""
    return generate_signing_key(kid=f"pact-{uuid.uuid4().hex[:12]}")


async def _trust_replay_key(session: AsyncSession) -> None:
    """Store `replay_key()` in the key table, as `SigningKeyService` stores the keys it makes
    (it is then the newest key, so it also signs what a login issues)."""
    key = replay_key()
    keys = SigningKeyService(session=session)
    if not await keys.exists(kid=key.kid):
        await keys.create(
            models.SigningKey(
                kid=key.kid, algorithm=key.algorithm, private_key_pem=key.private_pem().decode()
            )
        )


def signing_key_exists(settings: Settings) -> Callable[..., None]:
    """The key the service signs with now, made as on first need (the SDK's JWKS pact)."""

    def setup(**_: Any) -> None:
        async def operation(session: AsyncSession) -> None:
            await SigningKeyService(session=session).current()

        asyncio.run(_committed(settings, operation))

    return setup


def admin_account_exists(settings: Settings) -> Callable[..., None]:
    """The account `ADMIN_ID` with the roles admin and customer, the given `email` and
    `password` (hashed as the service hashes them), made afresh: an earlier account with that
    id or email is deleted first (its tokens and addresses with it). Running it again changes
    nothing."""
    identity = settings.identity
    passwords = Passwords(
        time_cost=identity.argon2_time_cost,
        memory_kib=identity.argon2_memory_kib,
        parallelism=identity.argon2_parallelism,
    )

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        email = normalise_email(str(params.get("email", "admin@example.com")))
        password = str(params.get("password", "correct-horse-42"))

        async def operation(session: AsyncSession) -> None:
            await _trust_replay_key(session)
            await session.execute(
                delete(models.User).where(
                    or_(models.User.id == ADMIN_ID, models.User.email == email)
                )
            )
            await UserService(session=session).create(
                models.User(
                    id=ADMIN_ID,
                    email=email,
                    name="Ada Admin",
                    password_hash=await passwords.hash(password),
                    roles=sorted(ADMIN_ROLES),
                )
            )

        asyncio.run(_committed(settings, operation))

    return setup


def service_client_registered(settings: Settings) -> Callable[..., None]:
    """Clients come from settings only (`IDENTITY_SERVICE_CLIENTS`; in development, as in these
    tests, order-service with its development secret): check that the settings register the
    client with the asked `scope` rather than pretend to register it."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        client = settings.service_clients.get("order-service")
        scope = str(params.get("scope", ""))
        if client is None or not set(scope.split()) <= set(client.scopes):
            raise AssertionError(f"order-service is not registered with the scope {scope!r}")

        async def operation(session: AsyncSession) -> None:
            await SigningKeyService(session=session).current()

        asyncio.run(_committed(settings, operation))

    return setup


async def _committed(
    settings: Settings, operation: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    engine = create_async_engine(settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session:
            await operation(session)
            await session.commit()
    finally:
        await engine.dispose()


STATES: dict[str, StateSetup] = {
    "a signing key exists": signing_key_exists,
    "an admin account exists": admin_account_exists,
    "the service client order-service is registered": service_client_registered,
}
MESSAGES: dict[str, MessageBuilder] = {
    "a user.registered event": user_registered,
    "a user.password_reset_requested event": password_reset_requested,
}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """The admin's bearer token for every replayed request (the JWKS and login ignore it): the
    issuer and audience of the session's test tokens, signed by `replay_key()`, naming
    `ADMIN_ID`."""
    del consumer  # every consumer's requests carry the same headers
    claims = jwt.decode(token_factory(), options={"verify_signature": False})
    issuer = TokenIssuer(replay_key(), issuer=claims["iss"], audience=claims["aud"])
    token = issuer.issue_access_token(str(ADMIN_ID), ADMIN_ROLES, ttl_seconds=3600)
    return {"Authorization": f"Bearer {token}"}
