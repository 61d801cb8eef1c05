"""An order page waiting for the next status: `GET /api/orders/{id}` with the order's ETag in
`If-None-Match` and `Prefer: wait=N` answers the moment the saga changes the order (told by
PostgreSQL's NOTIFY, whichever process made the change), or 304 when nothing changed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from conftest import app_for
from shopkit.auth import ServiceTokenProvider
from shopkit.db import asyncpg_dsn
from shopkit.providers import shared_of
from test_saga import PREFIX, Publish, place, reserved

from order_service.config import Settings
from order_service.domain.orders._watch import OrderWatch

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def running_app(
    settings: Settings, service_tokens: ServiceTokenProvider
) -> AsyncIterator[httpx.AsyncClient]:
    """The app started on this test's own event loop, so several pages wait at once (the
    test client runs the app on a loop of its own and answers one request at a time)."""
    app = app_for(settings, service_tokens)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


async def waiting_get(
    client: httpx.AsyncClient, headers: dict[str, str], order: dict[str, Any], etag: str,
    wait: float,
) -> tuple[Any, float]:  # fmt: skip
    started = time.monotonic()
    response = await client.get(
        f"{PREFIX}/{order['id']}",
        headers={**headers, "If-None-Match": etag, "Prefer": f"wait={wait:g}"},
    )
    return response, time.monotonic() - started


async def test_an_unchanged_order_is_304_at_once_or_after_the_wait_asked_for(
    settings: Settings, service_tokens: ServiceTokenProvider, customer_headers: dict[str, str]
) -> None:
    async with running_app(settings, service_tokens) as pages:
        order = await place(pages, customer_headers)
        first = await pages.get(f"{PREFIX}/{order['id']}", headers=customer_headers)
        etag = first.headers["etag"]
        assert first.status_code == 200
        assert etag.startswith('W/"')

        unchanged = await pages.get(
            f"{PREFIX}/{order['id']}", headers={**customer_headers, "If-None-Match": etag}
        )
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == etag

        waited, seconds = await waiting_get(pages, customer_headers, order, etag, 1.5)
        assert waited.status_code == 304
        assert waited.headers["preference-applied"] == "wait=1.5"
        assert 1.4 <= seconds < 5

        stale, seconds = await waiting_get(pages, customer_headers, order, 'W/"0"', 10)
        assert stale.status_code == 200
        assert stale.json()["id"] == order["id"]
        assert seconds < 2, "an ETag that is already old is answered at once"


async def test_a_waiting_page_gets_the_next_status_the_moment_the_saga_moves(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
    publish: Publish,
) -> None:
    async with running_app(settings, service_tokens) as pages:
        order = await place(pages, customer_headers)
        etag = (await pages.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).headers[
            "etag"
        ]

        waiter = asyncio.create_task(waiting_get(pages, customer_headers, order, etag, 15))
        await asyncio.sleep(0.5)
        assert not waiter.done(), "nothing changed yet: the answer is held"
        await publish(reserved(order))

        answer, seconds = await asyncio.wait_for(waiter, 10)
        assert answer.status_code == 200
        assert answer.json()["status"] == "awaiting_payment"
        assert answer.headers["etag"] != etag
        assert seconds < 8, f"answered after {seconds:.1f} s, not when the order changed"


async def test_nobody_waits_on_another_customers_order(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
    other_customer_headers: dict[str, str],
) -> None:
    async with running_app(settings, service_tokens) as pages:
        order = await place(pages, customer_headers)
        etag = (await pages.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).headers[
            "etag"
        ]

        answer, seconds = await waiting_get(pages, other_customer_headers, order, etag, 10)
        assert answer.status_code == 404
        assert seconds < 2


async def test_waiting_pages_hold_no_database_connection(
    settings: Settings, service_tokens: ServiceTokenProvider, customer_headers: dict[str, str]
) -> None:
    """Far more pages wait than the pool has connections (5 + 10 here); others still read."""
    async with running_app(settings, service_tokens) as pages:
        order = await place(pages, customer_headers)
        etag = (await pages.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).headers[
            "etag"
        ]
        waiters = [
            asyncio.create_task(waiting_get(pages, customer_headers, order, etag, 3))
            for _ in range(40)
        ]
        await asyncio.sleep(0.5)
        started = time.monotonic()
        read = await pages.get(f"{PREFIX}/{order['id']}", headers=customer_headers)
        assert read.status_code == 200
        assert time.monotonic() - started < 2
        answers = await asyncio.gather(*waiters)
        assert {response.status_code for response, _ in answers} == {304}


async def test_a_lost_listening_connection_delays_no_page(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
    publish: Publish,
) -> None:
    """PostgreSQL drops the listening connection: waiting pages still see the change (they
    re-read the order every second meanwhile) and the process listens again."""
    async with running_app(settings, service_tokens) as pages:
        watch: OrderWatch = shared_of(pages.app, "watch")
        for _ in range(50):
            if watch.listening:
                break
            await asyncio.sleep(0.1)
        assert watch._connection is not None
        pid = watch._connection.get_server_pid()
        admin = await asyncpg.connect(asyncpg_dsn(pages.app.state["settings"].database.url))
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()

        order = await place(pages, customer_headers)
        etag = (await pages.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).headers[
            "etag"
        ]
        waiter = asyncio.create_task(waiting_get(pages, customer_headers, order, etag, 15))
        await asyncio.sleep(0.2)
        await publish(reserved(order))
        answer, seconds = await asyncio.wait_for(waiter, 14)
        assert answer.status_code == 200
        assert answer.json()["status"] == "awaiting_payment"
        assert seconds < 8

        for _ in range(100):
            if watch.listening and watch._connection.get_server_pid() != pid:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the process never listened again")
