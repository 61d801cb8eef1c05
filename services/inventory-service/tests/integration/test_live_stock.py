"""The live stock stream, served over real HTTP by two instances of the app that share only
Redis and the database, as two replicas would."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from conftest import SQL, new_sku
from litestar import Litestar
from shopkit.providers import shared_of
from shopkit.testing import serve_app

from inventory_service.app import create_app
from inventory_service.config import Settings

pytestmark = pytest.mark.integration

PREFIX = "/api/inventory"


@pytest.fixture
def replica_b(settings: Settings) -> Iterator[tuple[Litestar, str]]:
    app = create_app(settings)
    with serve_app(app) as base_url:
        yield app, base_url


class Stream:
    """The lines of an open event stream, read as they arrive."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next_data(self, timeout: float = 3.0) -> dict[str, Any]:  # noqa: ASYNC109
        async def read() -> dict[str, Any]:
            async for line in self._lines:
                if line.startswith("data: "):
                    return json.loads(line.removeprefix("data: "))  # type: ignore[no-any-return]
            raise AssertionError("the stream ended")

        return await asyncio.wait_for(read(), timeout)

    async def next_comment(self, timeout: float = 3.0) -> str:  # noqa: ASYNC109
        async def read() -> str:
            async for line in self._lines:
                if line.startswith(":"):
                    return line
            raise AssertionError("the stream ended")

        return await asyncio.wait_for(read(), timeout)


async def test_a_change_made_on_one_replica_streams_from_the_other(
    http: httpx.AsyncClient,
    replica_b: tuple[Litestar, str],
    admin_headers: dict[str, str],
) -> None:
    app_b, url_b = replica_b
    watched, other = new_sku("LIVE"), new_sku("QUIET")
    for sku in (watched, other):
        await http.put(f"{PREFIX}/{sku}", json={"on_hand": 5}, headers=admin_headers)

    async with (
        httpx.AsyncClient(base_url=url_b, timeout=10) as client_b,
        client_b.stream(
            "GET", f"{PREFIX}/stream", params={"skus": f"{watched},NOT-YET"}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response.aiter_lines())
        assert await stream.next_data() == {"sku": watched, "available": 5}  # current value first

        await http.put(f"{PREFIX}/{other}", json={"on_hand": 1}, headers=admin_headers)
        adjusted = await http.post(
            f"{PREFIX}/{watched}/adjustments",
            json={"delta": 3, "reason": "delivery"},
            headers=admin_headers,
        )
        assert adjusted.status_code == 201
        # Through replica A, Redis and replica B within a second; the other SKU never shows.
        assert await stream.next_data(timeout=1.0) == {"sku": watched, "available": 8}
        assert await stream.next_comment(timeout=2.0) == ": keep-alive"
        assert shared_of(app_b, "feed").watchers == 1

    for _ in range(50):  # the disconnect is noticed and the subscription dropped
        if shared_of(app_b, "feed").watchers == 0:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the closed stream is still subscribed")


@pytest.mark.parametrize("skus", [",".join(f"SKU-{n}" for n in range(51)), "", " , ", "bad sku!"])
async def test_streams_refuse_bad_or_too_many_skus(http: httpx.AsyncClient, skus: str) -> None:
    response = await http.get(f"{PREFIX}/stream", params={"skus": skus})
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "skus"


async def test_the_stream_leaves_out_skus_of_products_not_on_sale_except_for_admins(
    http: httpx.AsyncClient,
    served: str,
    admin_headers: dict[str, str],
    sql: SQL,
) -> None:
    on_sale, draft = new_sku("SOLD"), new_sku("HIDDEN")
    for sku in (on_sale, draft):
        await http.put(f"{PREFIX}/{sku}", json={"on_hand": 4}, headers=admin_headers)
    await sql("UPDATE stock_item SET product_status = 'draft' WHERE sku = :sku", sku=draft)

    async def first_values(headers: dict[str, str]) -> list[dict[str, Any]]:
        async with http.stream(
            "GET", f"{PREFIX}/stream", params={"skus": f"{draft},{on_sale}"}, headers=headers
        ) as response:
            assert response.status_code == 200
            stream = Stream(response.aiter_lines())
            values = [await stream.next_data()]
            with contextlib.suppress(TimeoutError):  # the draft's value, if it were sent
                values.append(await stream.next_data(timeout=0.3))
            return values

    assert await first_values({}) == [{"sku": on_sale, "available": 4}]
    assert await first_values(admin_headers) == [
        {"sku": draft, "available": 4},
        {"sku": on_sale, "available": 4},
    ]
