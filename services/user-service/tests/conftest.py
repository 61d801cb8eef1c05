"""Shared fixtures come from the SDK's plugin; this file builds this service's app and the
accounts tests act as."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
import pytest_asyncio
import redis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings, RedisSettings
from shopkit.testing import client_for, migrate
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from user_service.__main__ import MIGRATIONS
from user_service.app import create_app
from user_service.config import IdentitySettings, Settings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]

GOOD_PASSWORD = "correct-horse-42"
# Cheap argon2 parameters keep the suite fast; one test uses the production defaults.
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, "argon2_parallelism": 1}


@pytest.fixture(scope="session")
def rate_limit_prefix(redis_url: str) -> Iterator[str]:
    """This session's own Redis keys, removed afterwards."""
    prefix = f"user-service-test:{uuid.uuid4().hex[:10]}"
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
    rate_limit_prefix: str,
) -> Settings:
    """This service's settings against the session's own database, exchange and Redis keys."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        redis=RedisSettings(url=redis_url),
        identity=IdentitySettings(rate_limit_key_prefix=rate_limit_prefix, **FAST_HASHING),
    )


def with_identity(settings: Settings, **changes: Any) -> Settings:
    return msgspec.structs.replace(
        settings, identity=msgspec.structs.replace(settings.identity, **changes)
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(settings)) as client:
        yield client


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


def unique_email(hint: str = "user") -> str:
    return f"{hint}-{uuid.uuid4().hex[:10]}@example.com"


def unique_ip() -> str:
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(
    client: AsyncTestClient[Litestar], email: str, password: str, ip: str | None = None
) -> Any:
    """POST /api/auth/login from `ip` (its own address unless given, so limits don't collide)."""
    return await client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": ip or unique_ip()},
    )


AccountFactory = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(client: AsyncTestClient[Litestar], sql: SQL) -> AccountFactory:
    """Register through the API (admins are promoted in the database), then log in."""

    async def make(*roles: str, email: str | None = None) -> Account:
        email = email or unique_email("admin" if "admin" in roles else "shopper")
        registered = await client.post(
            "/api/auth/register",
            json={"email": email, "password": GOOD_PASSWORD, "name": "Test Person"},
        )
        assert registered.status_code == 201, registered.text
        user_id = registered.json()["id"]
        if roles:
            await sql(
                "UPDATE user_account SET roles = :roles WHERE id = :id",
                roles=sorted(roles),
                id=uuid.UUID(user_id),
            )
        tokens = await login(client, email, GOOD_PASSWORD)
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        return Account(user_id, email, GOOD_PASSWORD, body["access_token"], body["refresh_token"])

    return make


@pytest.fixture
async def customer(make_account: AccountFactory) -> Account:
    return await make_account()


@pytest.fixture
async def admin(make_account: AccountFactory) -> Account:
    return await make_account("customer", "admin")
