"""The dead letters of a service's consumers over HTTP, for the admin: `GET
/api/ops/<service>/dead-letters` lists them per consumer queue, `POST .../{queue}/{message_id}
/replay` sends one back for another try (admins only; see `shopkit.messaging.DeadLetters`).

    route_handlers=[..., dead_letters_router(DeadLetters(settings.broker, lambda: consumer.queues),
                                             SLUG)]
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from aio_pika.exceptions import AMQPError
from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from shopkit.auth import requires_admin
from shopkit.errors import DomainError, NotFoundError
from shopkit.messaging import DeadLetter, DeadLetters
from shopkit.openapi_problems import problem_responses

__all__ = ["DeadLetterReport", "QueueDeadLetters", "Replayed", "dead_letters_router"]


class QueueDeadLetters(msgspec.Struct, frozen=True, kw_only=True):
    queue: str  # the consumer queue
    dead_letters: int  # how many wait in its dead-letter queue
    items: list[DeadLetter]  # the oldest of them, up to `limit`


class DeadLetterReport(msgspec.Struct, frozen=True, kw_only=True):
    service: str
    queues: list[QueueDeadLetters]


class Replayed(msgspec.Struct, frozen=True, kw_only=True):
    queue: str
    message_id: str


class BrokerUnavailableError(DomainError):
    status_code = 503
    title = "Broker unavailable"
    code = "broker-unavailable"


def dead_letters_router(dead_letters: DeadLetters, service: str) -> Router:
    """The admin's view of `service`'s dead letters, at `/api/ops/<service>/dead-letters`."""

    async def provide() -> DeadLetters:
        return dead_letters

    @get(
        "/",
        operation_id="listDeadLetters",
        guards=[requires_admin],
        responses=problem_responses(503),
    )
    async def list_dead_letters(
        letters: NamedDependency[DeadLetters],
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="per queue")] = 20,
    ) -> DeadLetterReport:
        """Every consumer queue of this service, with how many deliveries it gave up on and
        the oldest of them (error, attempts, the event as sent). Reading takes nothing away."""
        try:
            queues = [
                QueueDeadLetters(queue=c.queue, dead_letters=c.dead_letters, items=items)
                for c, items in await letters.overview(limit)
            ]
        except (AMQPError, OSError) as exc:
            raise BrokerUnavailableError("RabbitMQ cannot be reached; try again.") from exc
        return DeadLetterReport(service=service, queues=queues)

    @post(
        "/{queue:str}/{message_id:str}/replay",
        operation_id="replayDeadLetter",
        guards=[requires_admin],
        status_code=200,
        responses=problem_responses(404, 503),
    )
    async def replay_dead_letter(
        letters: NamedDependency[DeadLetters], queue: FromPath[str], message_id: FromPath[str]
    ) -> Replayed:
        """Send one dead letter back to its queue for another try (its attempts start again);
        404 when this service has no such queue or the message is not waiting there."""
        if not letters.owns(queue):
            raise NotFoundError(f"{service} has no consumer queue {queue!r}.")
        try:
            replayed = await letters.replay(queue, message_id)
        except (AMQPError, OSError) as exc:
            raise BrokerUnavailableError("RabbitMQ cannot be reached; try again.") from exc
        if not replayed:
            raise NotFoundError(f"No dead letter {message_id!r} waits in {queue!r}.")
        return Replayed(queue=queue, message_id=message_id)

    return Router(
        path=f"/api/ops/{service}/dead-letters",
        route_handlers=[list_dead_letters, replay_dead_letter],
        dependencies={"letters": Provide(provide)},
        tags=["operations"],
    )
