"""A dependency of our own that is away (the database restarting, a connection refused or
lost) answers 503 problem+json with Retry-After, so clients try again; a bug stays a 500."""

from __future__ import annotations

import pytest
from _app_support import create_app
from litestar import get
from shopkit.config import ServiceSettings
from shopkit.testing import client_for
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.integration


class _ShuttingDown(Exception):
    sqlstate = "57P01"  # admin_shutdown: PostgreSQL restarting


@get("/refused", operation_id="refused", security=[{}])
async def refused() -> None:
    raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")


@get("/lost", operation_id="lost", security=[{}])
async def lost() -> None:
    raise DBAPIError("SELECT 1", None, OSError("gone"), connection_invalidated=True)


@get("/restarting", operation_id="restarting", security=[{}])
async def restarting() -> None:
    raise DBAPIError("SELECT 1", None, _ShuttingDown("terminating connection"))


@get("/bug", operation_id="bug", security=[{}])
async def bug() -> None:
    raise RuntimeError("a bug")


async def test_a_dependency_away_is_503_with_retry_after_and_a_bug_is_500() -> None:
    app = create_app(
        service=ServiceSettings(name="unavailable-check"),
        route_handlers=[refused, lost, restarting, bug],
    )
    async with client_for(app) as client:
        for path in ("/refused", "/lost", "/restarting"):
            response = await client.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["retry-after"] == "1"
            assert response.headers["content-type"] == "application/problem+json"
            assert "5432" not in response.text  # nothing of the connection is told
        assert (await client.get("/bug")).status_code == 500
