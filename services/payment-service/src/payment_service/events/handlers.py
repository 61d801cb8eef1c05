"""The events this service consumes: none. Payments are created over HTTP by order-service
(forwarding the customer's token) and settled by the provider (webhook or sandbox)."""

from __future__ import annotations

from shopkit.messaging import EventConsumer


def register_handlers(consumer: EventConsumer) -> None:
    del consumer
