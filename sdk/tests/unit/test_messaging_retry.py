from __future__ import annotations

import pytest
from shopkit.config import BrokerSettings
from shopkit.messaging import RetryPolicy, dlq_name, retry_queue_name
from shopkit.messaging._retry import (
    ATTEMPT_HEADER,
    attempt_of,
    carried_headers,
    durable_queue,
    side_queue_names,
)

pytestmark = pytest.mark.unit


def test_delays_double_from_the_base_and_stop_at_max_retries() -> None:
    policy = RetryPolicy.from_settings(BrokerSettings(max_retries=5, retry_base_delay_ms=200))

    assert policy.delays_ms() == [200, 400, 800, 1600, 3200]


def test_each_delay_has_its_own_retry_queue_and_there_is_one_dlq() -> None:
    policy = RetryPolicy(max_retries=3, base_delay_ms=50)

    assert side_queue_names("inventory-service.reserve-stock", policy) == [
        "inventory-service.reserve-stock.retry.50ms",
        "inventory-service.reserve-stock.retry.100ms",
        "inventory-service.reserve-stock.retry.200ms",
        "inventory-service.reserve-stock.dlq",
    ]
    assert dlq_name("a.b") == "a.b.dlq"
    assert retry_queue_name("a.b", 400) == "a.b.retry.400ms"


def test_retry_queue_expires_messages_back_into_the_consumer_queue() -> None:
    queue = durable_queue(
        "svc.handle.retry.50ms", quorum=False, ttl_ms=50, dead_letter_to="svc.handle"
    )

    assert queue.durable
    assert queue.arguments["x-message-ttl"] == 50
    assert queue.arguments["x-dead-letter-exchange"] == ""
    assert queue.arguments["x-dead-letter-routing-key"] == "svc.handle"


def test_quorum_retry_queue_dead_letters_at_least_once() -> None:
    queue = durable_queue("svc.handle.retry.50ms", quorum=True, ttl_ms=50, dead_letter_to="q")

    assert queue.arguments["x-queue-type"] == "quorum"
    assert queue.arguments["x-dead-letter-strategy"] == "at-least-once"
    assert queue.arguments["x-overflow"] == "reject-publish"


def test_attempt_count_is_read_from_headers_and_broker_headers_are_not_copied() -> None:
    assert attempt_of({}) == 0
    assert attempt_of({ATTEMPT_HEADER: 2}) == 2
    assert attempt_of({ATTEMPT_HEADER: "garbage"}) == 0
    assert carried_headers({"traceparent": "00-x", "x-death": [{}]}) == {"traceparent": "00-x"}
