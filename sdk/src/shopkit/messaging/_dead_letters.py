"""Dead letters: the deliveries a consumer gave up on, counted, read and sent back.

Every consumer queue `<queue>` has a dead-letter queue `<queue>.dlq` (`_retry`); what lands
there stays until someone looks. `DeadLetters` reads them without taking them away (nothing it
reads is acknowledged, so each message goes back to its queue when the reading channel closes)
and replays one: published to its consumer queue again with its attempt count reset, confirmed
by RabbitMQ, and only then taken off the dead-letter queue. A replayed event is handled once
(the consumer's inbox), and fails its way back to the dead-letter queue if its cause is still
there.

It works over a short-lived connection of its own: it is for the people who look after the
shop (an admin page), not for the hot path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import msgspec
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from aio_pika.exceptions import ChannelNotFoundEntity

from shopkit.config import BrokerSettings
from shopkit.messaging._retry import (
    ATTEMPT_HEADER,
    CONSUMER_HEADER,
    DELAY_HEADER,
    ERROR_HEADER,
    ERROR_TYPE_HEADER,
    FAILED_AT_HEADER,
    attempt_of,
    carried_headers,
    dlq_name,
)

__all__ = ["DeadLetter", "DeadLetterQueue", "DeadLetters"]

MAX_BODY = 4000  # characters of a message's body shown
CONNECT_TIMEOUT_SECONDS = 5.0
_FAILURE_HEADERS = frozenset({ERROR_HEADER, ERROR_TYPE_HEADER, FAILED_AT_HEADER, DELAY_HEADER})


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """One dead-lettered delivery, as the admin sees it."""

    message_id: str
    queue: str  # the consumer queue it failed in (where a replay sends it)
    event_type: str | None
    attempts: int  # retries it went through before it was given up
    error_type: str | None
    error: str | None
    failed_at: str | None
    body: str  # as it was sent (the event's JSON envelope), cut to MAX_BODY characters


class DeadLetterQueue(msgspec.Struct, frozen=True, kw_only=True):
    queue: str  # the consumer queue
    dead_letters: int  # messages waiting in its dead-letter queue


class DeadLetters:
    """The dead letters of one service's consumers (`queues()`: their queue names)."""

    def __init__(self, settings: BrokerSettings, queues: Callable[[], list[str]]) -> None:
        self._url = settings.url
        self._queues = queues

    def owns(self, queue: str) -> bool:
        return queue in self._queues()

    async def counts(self) -> list[DeadLetterQueue]:
        """Every consumer queue of this service with how many dead letters wait for it."""
        return [counted for counted, _ in await self.overview(limit=0)]

    async def read(self, queue: str, limit: int = 50) -> list[DeadLetter]:
        """Up to `limit` dead letters of `queue`, oldest first, left where they are."""
        async with self._channel() as open_channel:
            dead = await self._dead_letter_queue(await open_channel(), queue)
            return [] if dead is None else await _oldest(dead, queue, limit)

    async def overview(self, limit: int) -> list[tuple[DeadLetterQueue, list[DeadLetter]]]:
        """Every consumer queue with its count and its `limit` oldest dead letters, over one
        connection (the admin page's one call)."""
        found = []
        async with self._channel() as open_channel:
            for queue in self._queues():
                dead = await self._dead_letter_queue(await open_channel(), queue)
                waiting = 0 if dead is None else dead.declaration_result.message_count or 0
                items = await _oldest(dead, queue, limit) if dead is not None and waiting else []
                found.append((DeadLetterQueue(queue=queue, dead_letters=waiting), items))
        return found  # unacknowledged: back in their queues when the channels close

    async def replay(self, queue: str, message_id: str) -> bool:
        """Send the dead letter `message_id` back to `queue` for another try; False if there
        is no such dead letter (replayed already, or never there)."""
        async with self._channel() as open_channel:
            channel = await open_channel()
            dead = await self._dead_letter_queue(channel, queue)
            if dead is None:
                return False
            for _ in range(dead.declaration_result.message_count or 0):
                message = await dead.get(no_ack=False, fail=False)
                if message is None:
                    return False
                if message.message_id == message_id:
                    await channel.default_exchange.publish(_again(message), routing_key=queue)
                    await message.ack()  # only once RabbitMQ has confirmed the copy
                    return True
            return False

    @asynccontextmanager
    async def _channel(self) -> AsyncIterator[Callable[[], Any]]:
        """A connection for this call; yields a function giving its open channel (a new one
        when RabbitMQ closed the last, as it does after a passive declare of a missing
        queue)."""
        connection = await aio_pika.connect(self._url, timeout=CONNECT_TIMEOUT_SECONDS)
        channels: list[AbstractChannel] = []

        async def open_channel() -> AbstractChannel:
            if not channels or channels[-1].is_closed:
                channels.append(await connection.channel(publisher_confirms=True))
            return channels[-1]

        try:
            yield open_channel
        finally:
            await connection.close()

    @staticmethod
    async def _dead_letter_queue(channel: AbstractChannel, queue: str) -> AbstractQueue | None:
        try:
            return await channel.declare_queue(dlq_name(queue), passive=True)
        except ChannelNotFoundEntity:
            return None


async def _oldest(dead: AbstractQueue, queue: str, limit: int) -> list[DeadLetter]:
    """Up to `limit` messages of a dead-letter queue, taken without acknowledging them."""
    found = []
    for _ in range(limit):
        message = await dead.get(no_ack=False, fail=False)
        if message is None:
            break
        found.append(_dead_letter(queue, message))
    return found


def _dead_letter(queue: str, message: AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers

    def text(name: str) -> str | None:
        value = headers.get(name)
        return None if value is None else str(value)

    return DeadLetter(
        message_id=message.message_id or "",
        queue=str(headers.get(CONSUMER_HEADER) or queue),
        event_type=message.type,
        attempts=attempt_of(headers),
        error_type=text(ERROR_TYPE_HEADER),
        error=text(ERROR_HEADER),
        failed_at=text(FAILED_AT_HEADER),
        body=message.body.decode("utf-8", "replace")[:MAX_BODY],
    )


def _again(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The dead letter as a first delivery: its headers without the failure's, attempt 0."""
    headers = {
        key: value
        for key, value in carried_headers(dict(message.headers)).items()
        if key not in _FAILURE_HEADERS and key != CONSUMER_HEADER
    }
    return aio_pika.Message(
        message.body,
        headers={**headers, ATTEMPT_HEADER: 0},
        content_type=message.content_type,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        type=message.type,
        timestamp=message.timestamp,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )
