"""Writes may wait in the gateway's checkout queue in a rush: the storefront waits for them
longer than for reads (`GATEWAY_WRITE_TIMEOUT_SECONDS`). A stand-in that holds every request
for a moment, as the queue does, answers over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from storefront.config import GatewaySettings
from storefront.gateway import Gateway, ServiceUnavailable

pytestmark = pytest.mark.unit

HELD = 0.3


@pytest.fixture
async def held_gateway() -> AsyncIterator[str]:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(HELD)  # waiting its turn
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def test_a_queued_write_is_waited_for_and_a_slow_read_is_not(held_gateway: str) -> None:
    gateway = Gateway(
        GatewaySettings(url=held_gateway, timeout_seconds=0.1, write_timeout_seconds=2.0)
    )
    try:
        added = await gateway.send("POST", "/api/carts/c/items", headers={}, json={"sku": "A"})
        assert added.status_code == 200
        with pytest.raises(ServiceUnavailable):
            await gateway.send("GET", "/api/carts/c", headers={})
    finally:
        await gateway.aclose()


async def test_a_read_the_api_holds_on_purpose_is_waited_for(held_gateway: str) -> None:
    """The order page's wait for the next status: its own read timeout, not the reads' 0.1 s."""
    gateway = Gateway(GatewaySettings(url=held_gateway, timeout_seconds=0.1))
    try:
        held = await gateway.send("GET", "/api/orders/o", headers={}, read_timeout=2.0)
        assert held.status_code == 200
    finally:
        await gateway.aclose()
