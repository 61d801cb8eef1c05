"""Shared fixtures come from the SDK's plugin; this file builds this service's app and the
catalog rows tests start from."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import msgspec
import pytest
import redis
from factories import Json, product_body, unique
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings, RedisSettings
from shopkit.testing import client_for, migrate

from product_service.__main__ import MIGRATIONS
from product_service.app import create_app
from product_service.config import CatalogSettings, Settings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def cache_prefix(redis_url: str) -> Iterator[str]:
    """This session's own Redis keys, removed afterwards."""
    prefix = f"product-service-test:{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def settings(
    database_url: str,
    broker_settings: BrokerSettings,
    auth_settings: AuthSettings,
    redis_url: str,
    cache_prefix: str,
) -> Settings:
    """This service's settings against the session's own database, exchange and Redis keys."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        redis=RedisSettings(url=redis_url),
        catalog=CatalogSettings(cache_prefix=cache_prefix),
    )


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


@pytest.fixture
def make_category(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> Callable[..., Awaitable[Json]]:
    async def make(name: str = "Things", parent_id: str | None = None) -> Json:
        body: Json = {"name": name, "slug": unique(name.lower().replace(" ", "-"))}
        if parent_id:
            body["parent_id"] = parent_id
        response = await client.post("/api/categories", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture
def make_product(
    client: AsyncTestClient[Litestar],
    admin_headers: dict[str, str],
    make_category: Callable[..., Awaitable[Json]],
) -> Callable[..., Awaitable[Json]]:
    async def make(category_id: str | None = None, **changes: Any) -> Json:
        category_id = category_id or (await make_category())["id"]
        response = await client.post(
            "/api/products", json=product_body(category_id, **changes), headers=admin_headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make
