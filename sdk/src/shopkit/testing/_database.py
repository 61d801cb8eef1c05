"""A real, throw-away PostgreSQL database per test session."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

from shopkit.db import drop_database, ensure_database, upgrade

__all__ = ["database_url", "fresh_database_url", "migrate", "postgres_server_url", "redis_url"]


def postgres_server_url() -> str:
    """The server tests create their databases on (`TEST_POSTGRES_URL`, else the local one)."""
    return os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def fresh_database_url(prefix: str = "shopkit") -> str:
    """Create an empty database with a unique name and return its URL."""
    safe_prefix = "".join(c if c.isalnum() else "_" for c in prefix.lower())
    url = f"{postgres_server_url().rstrip('/')}/{safe_prefix}_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(ensure_database(url))
    return url


def migrate(url: str, script_location: str) -> None:
    """Apply a service's Alembic migrations to `url`, as `make up` does."""
    upgrade(script_location, url)


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database for this test session, dropped at the end.

    The name is prefixed with the `shopkit_database_prefix` ini option (the service's slug),
    so a stray one left by a killed run is easy to recognise.
    """
    prefix = str(request.config.getini("shopkit_database_prefix") or "shopkit")
    url = fresh_database_url(prefix)
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
