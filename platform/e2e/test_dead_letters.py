"""Dead letters through the gateway: a message notification-service cannot read is given up on
at once; an admin sees it at /api/ops/notification-service/dead-letters (with why it failed),
sends it back for another try (it fails again, later, so it is back with a new failure time),
and a customer can do neither."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aio_pika
import pytest
from conftest import Gateway, eventually

pytestmark = pytest.mark.e2e

BROKER = "amqp://guest:guest@127.0.0.1:5672/"
QUEUE = "notification-service.welcome"
PATH = "/api/ops/notification-service/dead-letters"


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run it on a loop of its own, in a thread: the browser tests leave this thread's loop
    running (Playwright's sync API), where `asyncio.run` refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result(timeout=60)


async def _send(message_id: str) -> None:
    connection = await aio_pika.connect(BROKER)
    async with connection:
        channel = await connection.channel()
        await channel.default_exchange.publish(
            aio_pika.Message(b"this is not an event", message_id=message_id), routing_key=QUEUE
        )


async def _take_away(message_id: str) -> None:
    """Leave the shop as it was: the test's dead letter off the dead-letter queue."""
    connection = await aio_pika.connect(BROKER)
    async with connection:
        channel = await connection.channel()
        dead = await channel.declare_queue(f"{QUEUE}.dlq", passive=True)
        while (message := await dead.get(no_ack=False, fail=False)) is not None:
            if message.message_id == message_id:
                await message.ack()
                return


def _dead_letter(shop: Gateway, token: str, message_id: str) -> dict[str, object] | None:
    reply = shop.call("GET", f"{PATH}?limit=200", token=token)
    assert reply.status == 200, reply.body
    for queue in reply.json()["queues"]:
        for item in queue["items"] if queue["queue"] == QUEUE else []:
            if item["message_id"] == message_id:
                return dict(item)
    return None


def test_an_admin_sees_a_dead_letter_and_sends_it_back_and_a_customer_cannot(
    shop: Gateway, admin_token: str
) -> None:
    message_id = f"e2e-{uuid.uuid4().hex}"
    _run(_send(message_id))
    try:
        first, _ = eventually(lambda: _dead_letter(shop, admin_token, message_id), seconds=15)
        assert first["error_type"] in ("DecodeError", "ValidationError"), first
        assert first["body"] == "this is not an event"

        email = f"dead-letters-{uuid.uuid4().hex[:8]}@example.com"
        password = "correct-horse-battery-42"
        shop.call("POST", "/api/auth/register", {"email": email, "password": password, "name": "C"})
        customer = shop.login(email, password)
        replay = f"{PATH}/{QUEUE}/{message_id}/replay"
        assert shop.call("GET", PATH, token=customer).status == 403
        assert shop.call("POST", replay, token=customer).status == 403
        assert shop.call("GET", PATH).status == 401

        replayed = shop.call("POST", replay, token=admin_token)
        assert replayed.status == 200, replayed.body
        assert replayed.json() == {"queue": QUEUE, "message_id": message_id}
        again, _ = eventually(
            lambda: (
                (d := _dead_letter(shop, admin_token, message_id))
                and d["failed_at"] != first["failed_at"]
                and d
            ),
            seconds=15,
        )
        assert again["error_type"] == first["error_type"]
        unknown = shop.call("POST", f"{PATH}/{QUEUE}/no-such-message/replay", token=admin_token)
        assert unknown.status == 404
        assert unknown.headers.get("Content-Type", "").startswith("application/problem+json")
    finally:
        _run(_take_away(message_id))
