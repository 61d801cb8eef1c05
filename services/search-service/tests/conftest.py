"""Shared fixtures come from the SDK's plugin; this file builds this service's app and feeds it
events the way product-service and inventory-service send them: envelopes on the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings
from shopkit.messaging import Envelope, InboxMessage, events_exchange, publish_envelope
from shopkit.testing import client_for, migrate
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from search_service.__main__ import MIGRATIONS
from search_service.app import create_app
from search_service.config import Settings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def settings(
    database_url: str, broker_settings: BrokerSettings, auth_settings: AuthSettings
) -> Settings:
    """This service's settings against the session's own database, exchange and JWKS.

    Searches are not remembered between requests here, so each test sees the index as its
    events left it; test_search_api.py has the test of that memory.
    """
    migrate(database_url, MIGRATIONS)
    loaded = load_settings()
    return msgspec.structs.replace(
        loaded,
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        search=msgspec.structs.replace(loaded.search, results_cache_seconds=0),
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
async def db_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database.url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def empty_index(db_engine: AsyncEngine) -> None:
    """Each test starts from an empty index (products, prices, stock, removals)."""
    async with db_engine.begin() as connection:
        await connection.execute(
            text("TRUNCATE search_product, search_variant, search_stock, search_removed")
        )


class EventFeed:
    """Publishes envelopes on the session's exchange and waits until the running app's
    consumers have processed them (their inbox rows commit with the index changes)."""

    def __init__(self, broker: RabbitBroker, settings: Settings, engine: AsyncEngine) -> None:
        self.broker = broker
        self.exchange = events_exchange(settings.broker)
        self.engine = engine

    async def send(self, *envelopes: Envelope, within: float = 10.0) -> None:
        for envelope in envelopes:
            await publish_envelope(self.broker, self.exchange, envelope)
        wanted = {envelope.id for envelope in envelopes}
        async with asyncio.timeout(within):
            while True:
                async with self.engine.connect() as connection:
                    done = set(
                        (
                            await connection.scalars(
                                select(InboxMessage.event_id).where(
                                    InboxMessage.event_id.in_(wanted)
                                )
                            )
                        ).all()
                    )
                if done >= wanted:
                    return
                await asyncio.sleep(0.02)


@pytest.fixture
async def feed(
    client: AsyncTestClient[Litestar],
    rabbit_broker: RabbitBroker,
    settings: Settings,
    db_engine: AsyncEngine,
    empty_index: None,
) -> EventFeed:
    """The app is running (its consumers subscribed) and the index is empty."""
    del client, empty_index
    return EventFeed(rabbit_broker, settings, db_engine)
