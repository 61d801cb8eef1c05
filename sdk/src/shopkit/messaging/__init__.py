"""Events between services: envelope, broker, transactional outbox, inbox consumers, retries.

Producing: `Outbox.add(session, OrderPlaced(...), producer="order-service")` in the same
transaction as the change; an `OutboxRelay` started in the app's lifespan publishes it to the
topic exchange `shopkit.events` with the event type as routing key.

Consuming: `@consumer.handler("order.placed.v1", name="reserve-stock")` on an `EventConsumer`;
each handler gets its own durable queue `<service>.<name>`, deduplication by event id in the
inbox table, retries with exponential backoff through `<queue>.retry.<delay>ms` queues and a
dead-letter queue `<queue>.dlq`, whose messages `DeadLetters` counts, reads and replays. Trace
context travels in the envelope and in message headers.
"""

from shopkit.messaging._broker import (
    BrokerConfigError,
    events_exchange,
    make_broker,
    publish_envelope,
)
from shopkit.messaging._dead_letters import DeadLetter, DeadLetterQueue, DeadLetters
from shopkit.messaging._envelope import (
    Envelope,
    Event,
    InvalidEventTypeError,
    decode_envelope,
    encode_envelope,
    envelope_for,
    new_event_id,
    payload_as,
)
from shopkit.messaging._inbox import EventConsumer, EventHandler
from shopkit.messaging._models import InboxMessage, OutboxMessage
from shopkit.messaging._outbox import Outbox, OutboxRelay
from shopkit.messaging._retry import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    ERROR_TYPE_HEADER,
    RetryPolicy,
    dlq_name,
    retry_queue_name,
)
from shopkit.messaging._runtime import Messaging

__all__ = [
    "ATTEMPT_HEADER",
    "ERROR_HEADER",
    "ERROR_TYPE_HEADER",
    "BrokerConfigError",
    "DeadLetter",
    "DeadLetterQueue",
    "DeadLetters",
    "Envelope",
    "Event",
    "EventConsumer",
    "EventHandler",
    "InboxMessage",
    "InvalidEventTypeError",
    "Messaging",
    "Outbox",
    "OutboxMessage",
    "OutboxRelay",
    "RetryPolicy",
    "decode_envelope",
    "dlq_name",
    "encode_envelope",
    "envelope_for",
    "events_exchange",
    "make_broker",
    "new_event_id",
    "payload_as",
    "publish_envelope",
    "retry_queue_name",
]
