"""Retry and dead-letter topology for one consumer queue, built from RabbitMQ primitives.

For a consumer queue `Q` (`<service>.<name>`) and a policy of `max_retries` = N with base delay
B ms, attempt k (1..N) waits B x 2^(k-1) ms:

    Q.retry.<B>ms, Q.retry.<2B>ms, ... Q.retry.<B*2^(N-1)>ms
        durable, no consumers, x-message-ttl = that delay,
        x-dead-letter-exchange = "" (default exchange), x-dead-letter-routing-key = Q
        -> when the TTL expires RabbitMQ moves the message back into Q.
    Q.dlq
        durable, no TTL: messages that failed N retries (or could not be decoded), with the
        error in the `x-shopkit-error*` headers, kept until an operator looks at them.

One queue per delay (not one queue with per-message TTLs) because RabbitMQ only expires the
message at the head of a queue: a long delay in front would hold back shorter ones. The delay is
part of the name, so changing `BROKER_RETRY_BASE_DELAY_MS` creates new queues instead of
failing on a queue declared with other arguments; old ones simply drain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from faststream.rabbit import QueueType, RabbitQueue
from faststream.rabbit.schemas.queue import ClassicQueueArgs, QuorumQueueArgs

from shopkit.config import BrokerSettings

__all__ = [
    "ATTEMPT_HEADER",
    "ERROR_HEADER",
    "ERROR_TYPE_HEADER",
    "RetryPolicy",
    "dlq_name",
    "retry_queue_name",
]

ATTEMPT_HEADER = "x-shopkit-attempt"
DELAY_HEADER = "x-shopkit-retry-delay-ms"
ERROR_HEADER = "x-shopkit-error"
ERROR_TYPE_HEADER = "x-shopkit-error-type"
FAILED_AT_HEADER = "x-shopkit-failed-at"
CONSUMER_HEADER = "x-shopkit-consumer"
MAX_ERROR_LENGTH = 2000

# Headers RabbitMQ adds when it dead-letters; copying them onto a republished message would only
# make them grow with every attempt.
_BROKER_OWNED_HEADERS = frozenset(
    {"x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason"}
)


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how patiently a consumer retries a failing message."""

    max_retries: int = 5
    base_delay_ms: int = 200

    @classmethod
    def from_settings(cls, settings: BrokerSettings) -> RetryPolicy:
        return cls(max_retries=settings.max_retries, base_delay_ms=settings.retry_base_delay_ms)

    def delay_ms(self, attempt: int) -> int:
        """Delay before retry number `attempt` (1-based): base x 2^(attempt-1)."""
        return int(self.base_delay_ms * 2 ** (attempt - 1))

    def delays_ms(self) -> list[int]:
        return [self.delay_ms(attempt) for attempt in range(1, self.max_retries + 1)]


def retry_queue_name(queue: str, delay_ms: int) -> str:
    return f"{queue}.retry.{delay_ms}ms"


def dlq_name(queue: str) -> str:
    return f"{queue}.dlq"


def side_queue_names(queue: str, policy: RetryPolicy) -> list[str]:
    """Every queue the retry topology of `queue` declares (for tests and tooling)."""
    return [retry_queue_name(queue, delay) for delay in policy.delays_ms()] + [dlq_name(queue)]


def durable_queue(
    name: str,
    *,
    quorum: bool,
    routing_key: str = "",
    ttl_ms: int | None = None,
    dead_letter_to: str | None = None,
    expires_ms: int | None = None,
) -> RabbitQueue:
    """A durable classic or quorum queue, optionally expiring messages into another queue.

    Quorum queues dead-letter `at-least-once` (which needs `reject-publish` overflow), so a
    leader change while a message waits for its retry cannot drop it.
    """
    if quorum:
        quorum_args: QuorumQueueArgs = {}
        if ttl_ms is not None:
            quorum_args["x-message-ttl"] = ttl_ms
        if dead_letter_to is not None:
            quorum_args["x-dead-letter-exchange"] = ""
            quorum_args["x-dead-letter-routing-key"] = dead_letter_to
            quorum_args["x-dead-letter-strategy"] = "at-least-once"
            quorum_args["x-overflow"] = "reject-publish"
        if expires_ms is not None:
            quorum_args["x-expires"] = expires_ms
        return RabbitQueue(
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments=quorum_args,
            routing_key=routing_key,
        )
    classic_args: ClassicQueueArgs = {}
    if ttl_ms is not None:
        classic_args["x-message-ttl"] = ttl_ms
    if dead_letter_to is not None:
        classic_args["x-dead-letter-exchange"] = ""
        classic_args["x-dead-letter-routing-key"] = dead_letter_to
    if expires_ms is not None:
        classic_args["x-expires"] = expires_ms
    return RabbitQueue(name, durable=True, arguments=classic_args, routing_key=routing_key)


def attempt_of(headers: Mapping[str, Any]) -> int:
    """How many retries this delivery has already been through (0 on first delivery)."""
    try:
        return int(headers.get(ATTEMPT_HEADER, 0))
    except (TypeError, ValueError):
        return 0


def carried_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in headers.items() if key not in _BROKER_OWNED_HEADERS}


def describe_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_LENGTH]
