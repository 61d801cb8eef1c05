"""The FastStream broker every service uses, built from `BrokerSettings`.

RabbitMQ is the default and the only transport the outbox relay and the inbox consumers (with
their retry and dead-letter queues) are built for. Other schemes give the matching FastStream
broker when its extra is installed, for services that only need plain publish/subscribe.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from faststream.rabbit import Channel, ExchangeType, RabbitBroker, RabbitExchange
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

from shopkit.config import BrokerSettings
from shopkit.messaging._envelope import Envelope, encode_envelope
from shopkit.messaging._tracing import trace_context_attached

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

# FastStream logs "Received" and "Processed" for every message, in its own format, at this
# level: DEBUG keeps them out of INFO logs (two unstructured lines per event, a measurable
# share of a consumer's time at load). Failures are still logged, by the inbox, as JSON.
MESSAGE_LOG_LEVEL = logging.DEBUG

__all__ = ["BrokerConfigError", "events_exchange", "make_broker", "publish_envelope"]

CONNECT_TIMEOUT_SECONDS = 5.0
PUBLISH_TIMEOUT_SECONDS = 10.0
DEFAULT_PREFETCH = 32

# scheme -> (module, broker class, telemetry middleware class, extra to install)
_OTHER_TRANSPORTS: dict[str, tuple[str, str, str, str]] = {
    "nats": ("faststream.nats", "NatsBroker", "NatsTelemetryMiddleware", "nats"),
    "tls": ("faststream.nats", "NatsBroker", "NatsTelemetryMiddleware", "nats"),
    "redis": ("faststream.redis", "RedisBroker", "RedisTelemetryMiddleware", "redis"),
    "rediss": ("faststream.redis", "RedisBroker", "RedisTelemetryMiddleware", "redis"),
    "kafka": ("faststream.kafka", "KafkaBroker", "KafkaTelemetryMiddleware", "kafka"),
}


class BrokerConfigError(ValueError):
    """`BROKER_URL` names a transport this process cannot use."""


def events_exchange(settings: BrokerSettings) -> RabbitExchange:
    """The durable topic exchange all events go through; the routing key is the event type."""
    return RabbitExchange(settings.exchange, type=ExchangeType.TOPIC, durable=True)


def make_broker(
    settings: BrokerSettings,
    service_name: str,
    *,
    tracer_provider: TracerProvider | None = None,
    prefetch_count: int = DEFAULT_PREFETCH,
) -> RabbitBroker | Any:
    """A FastStream broker for `settings.url` with OpenTelemetry middleware.

    Trace context travels in message headers, so a consumer's span joins the publisher's
    trace. A `mandatory` publish that no queue takes raises (`aiormq` `PublishError`) instead
    of vanishing: the retry and dead-letter moves rely on it.

    `amqp://`/`amqps://` (the default) gives a `RabbitBroker`; other schemes give FastStream's
    broker for that transport when its extra is installed (plain publish/subscribe only).
    """
    scheme = urlsplit(settings.url).scheme.lower()
    if scheme in {"amqp", "amqps"}:
        return RabbitBroker(
            settings.url,
            timeout=CONNECT_TIMEOUT_SECONDS,
            reconnect_interval=settings.reconnect_interval_ms / 1000,
            app_id=service_name,
            default_channel=Channel(prefetch_count=prefetch_count, on_return_raises=True),
            middlewares=[RabbitTelemetryMiddleware(tracer_provider=tracer_provider)],
            description=f"{service_name} events",
            log_level=MESSAGE_LOG_LEVEL,
        )
    if scheme not in _OTHER_TRANSPORTS:
        raise BrokerConfigError(
            f"BROKER_URL scheme {scheme!r} is not supported; use amqp(s)://, nats://,"
            " redis:// or kafka://"
        )
    module_name, broker_name, middleware_name, extra = _OTHER_TRANSPORTS[scheme]
    try:
        module = importlib.import_module(module_name)
        telemetry = importlib.import_module(f"{module_name}.opentelemetry")
    except ImportError as exc:
        raise BrokerConfigError(
            f"BROKER_URL uses {scheme}:// but FastStream's {extra} support is not installed;"
            f' install "faststream[{extra}]" or use amqp://'
        ) from exc
    url = settings.url.split("://", 1)[1] if scheme == "kafka" else settings.url
    middleware = getattr(telemetry, middleware_name)(tracer_provider=tracer_provider)
    return getattr(module, broker_name)(url, middlewares=[middleware], log_level=MESSAGE_LOG_LEVEL)


async def publish_envelope(
    broker: RabbitBroker,
    exchange: RabbitExchange,
    envelope: Envelope,
    *,
    confirm_timeout: float = PUBLISH_TIMEOUT_SECONDS,
) -> None:
    """Publish one envelope: routing key = event type, `message_id` = event id, persistent.

    The span captured in the envelope becomes the parent of the publish span, so the trace
    that wrote the event continues through the broker even when the outbox relays it later.
    With publisher confirms on (FastStream's default channel) this returns once RabbitMQ has
    taken responsibility for the message.
    """
    await broker.declare_exchange(exchange)  # once per connection; cached afterwards
    with trace_context_attached(envelope.trace_context):
        await broker.publish(
            encode_envelope(envelope),
            exchange=exchange,
            routing_key=envelope.type,
            mandatory=False,
            persist=True,
            message_id=envelope.id,
            correlation_id=envelope.correlation_id,
            message_type=envelope.type,
            content_type="application/json",
            headers=dict(envelope.trace_context),
            timestamp=envelope.occurred_at,
            timeout=confirm_timeout,
        )
