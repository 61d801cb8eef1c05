"""Shared fixtures come from the SDK's plugin; this file builds this service's app, a real SMTP
server to receive its mail, and helpers to publish events and look behind the API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings
from shopkit.messaging import Envelope, Event, envelope_for, events_exchange, publish_envelope
from shopkit.testing import client_for, free_port, migrate
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from notification_service.__main__ import MIGRATIONS
from notification_service.app import create_app
from notification_service.config import NotifySettings, Settings, SmtpSettings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]

ADMINS = ("ops@shopkit.test", "buyer@shopkit.test")


@pytest.fixture(scope="session")
def settings(
    database_url: str, broker_settings: BrokerSettings, auth_settings: AuthSettings
) -> Settings:
    """This service's settings against the session's own database, exchange, JWKS and SMTP
    port; a quick dispatcher and short retry delays keep the tests fast."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        notify=NotifySettings(
            admin_emails=", ".join(ADMINS),
            max_attempts=4,
            retry_base_seconds=0.2,
            dispatch_interval_seconds=0.05,
        ),
        smtp=SmtpSettings(port=free_port(), timeout_seconds=2.0),
    )


class MailSink:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self, port: int) -> None:
        self.messages: list[EmailMessage] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(
        self, address: str, count: int = 1, within: float = 10.0
    ) -> list[EmailMessage]:
        for _ in range(int(within / 0.05)):
            if len(self.to(address)) >= count:
                return self.to(address)
            await asyncio.sleep(0.05)
        pytest.fail(f"{count} message(s) to {address} never arrived; got {len(self.to(address))}")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def mail_sink(settings: Settings) -> Iterator[MailSink]:
    sink = MailSink(settings.smtp.port)
    sink.controller.start()
    try:
        yield sink
    finally:
        sink.controller.stop()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(settings)) as client:
        yield client


@pytest.fixture
def admin_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}


@pytest.fixture
def customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('customer',))}"}


Publish = Callable[..., Awaitable[Envelope]]


@pytest.fixture
def publish(rabbit_broker: RabbitBroker, broker_settings: BrokerSettings) -> Publish:
    """Publish an event (or an envelope again, as a redelivery) onto the session's exchange."""

    async def send(event: Event | Envelope, producer: str = "test-producer") -> Envelope:
        envelope = event if isinstance(event, Envelope) else envelope_for(event, producer)
        await publish_envelope(rabbit_broker, events_exchange(broker_settings), envelope)
        return envelope

    return send


@pytest_asyncio.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database.url)
    yield engine
    await engine.dispose()


SQL = Callable[..., Awaitable[list[Any]]]


@pytest.fixture
def sql(engine: AsyncEngine) -> SQL:
    """Run one statement in its own transaction, to look behind the API."""

    async def run(statement: str, **params: Any) -> list[Any]:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), params)
            return list(result.mappings().all()) if result.returns_rows else []

    return run


async def wait_for_rows(
    sql: SQL, event_id: str, *, count: int = 1, status: str | None = None, within: float = 10.0
) -> list[Any]:
    """The delivery log rows of an event, once `count` of them (in `status`) exist."""
    rows: list[Any] = []
    for _ in range(int(within / 0.05)):
        rows = await sql(
            "SELECT * FROM delivery WHERE event_id = :id ORDER BY channel, recipient", id=event_id
        )
        if len(rows) >= count and (status is None or all(r["status"] == status for r in rows)):
            return rows
        await asyncio.sleep(0.05)
    pytest.fail(f"delivery rows of {event_id}: wanted {count} {status or ''}, got {rows}")
