"""Shared fixtures come from the SDK's plugin; this file builds this service's app, pointed at
the session's own database, exchange and Redis key prefix, and at the contract-backed stand-in
for product- and inventory-service (`catalog_pacts.standin_catalog`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import msgspec
import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from catalog_pacts import standin_catalog
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings, RedisSettings
from shopkit.testing import client_for, migrate, serve_app

from cart_service.__main__ import MIGRATIONS
from cart_service.app import create_app
from cart_service.config import CartSettings, Settings, UpstreamSettings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def catalog_urls() -> Iterator[tuple[str, str]]:
    with standin_catalog() as urls:
        yield urls


@pytest.fixture(scope="session")
def settings(
    database_url: str,
    broker_settings: BrokerSettings,
    auth_settings: AuthSettings,
    redis_url: str,
    catalog_urls: tuple[str, str],
) -> Settings:
    """This service's settings against the session's own database, exchange and Redis keys."""
    migrate(database_url, MIGRATIONS)
    products, inventory = catalog_urls
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        redis=RedisSettings(url=redis_url),
        cart=CartSettings(key_prefix=f"cart-test-{uuid.uuid4().hex[:10]}"),
        product_service=UpstreamSettings(base_url=products),
        inventory_service=UpstreamSettings(base_url=inventory),
    )


@pytest_asyncio.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    """Redis as the app sees it, for looking behind the API; this session's keys go at the end."""
    client = aioredis.Redis.from_url(settings.redis.url, decode_responses=True)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{settings.cart.key_prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(settings)) as client:
        yield client


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    """The app served over real HTTP (AsyncTestClient serialises requests; races need this)."""
    with serve_app(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
async def http(served: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=served, timeout=30, limits=limits) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return bearer(token_factory(roles=("admin",)))


@pytest.fixture
def customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return bearer(token_factory(roles=("customer",)))


@pytest.fixture
def other_customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return bearer(token_factory(roles=("customer",)))
