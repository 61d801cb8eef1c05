"""Shared fixtures come from the SDK's plugin; this file builds this service's app and the
callers tests act as."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings, RedisSettings
from shopkit.testing import client_for, migrate, serve_app
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from inventory_service.__main__ import MIGRATIONS
from inventory_service.app import create_app
from inventory_service.config import InventorySettings, Settings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def settings(
    database_url: str,
    broker_settings: BrokerSettings,
    auth_settings: AuthSettings,
    redis_url: str,
) -> Settings:
    """This service's settings against the session's own database, exchange and Redis channel;
    short heartbeats and sweeps keep the tests quick."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        redis=RedisSettings(url=redis_url),
        inventory=InventorySettings(
            stock_channel=f"inventory:stock:test:{uuid.uuid4().hex[:10]}",
            stream_heartbeat_seconds=0.5,
            sweep_interval_seconds=0.2,
        ),
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(settings)) as client:
        yield client


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    """The app served over real HTTP by uvicorn (for concurrent requests and streams)."""
    with serve_app(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
async def http(served: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served, timeout=30) as client:
        yield client


@pytest.fixture
def admin_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}


@pytest.fixture
def customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('customer',))}"}


@pytest.fixture
def service_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('service',))}"}


@pytest_asyncio.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database.url)
    yield engine
    await engine.dispose()


SQL = Callable[..., Awaitable[list[Any]]]


@pytest.fixture
def sql(engine: AsyncEngine) -> SQL:
    """Run one statement in its own transaction: for looking behind the API, or moving time."""

    async def run(statement: str, **params: Any) -> list[Any]:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    return run


def new_sku(hint: str = "SKU") -> str:
    return f"{hint}-{uuid.uuid4().hex[:10]}".upper()
