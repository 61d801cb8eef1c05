"""Shared fixtures come from the SDK's plugin; this file only builds this service's app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings
from shopkit.testing import client_for, migrate

from payment_service.__main__ import MIGRATIONS
from payment_service.app import create_app
from payment_service.config import Settings, load_settings

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def settings(
    database_url: str, broker_settings: BrokerSettings, auth_settings: AuthSettings
) -> Settings:
    """This service's settings against the session's own database, exchange and JWKS."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
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
