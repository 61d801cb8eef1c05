"""The events this service consumes. Each handler runs in one transaction with its inbox row,
so a redelivered event changes nothing; failures are retried with backoff, then dead-lettered.

Register handlers here, e.g.::

    @consumer.handler("product.created.v1", name="create-stock")
    async def create_stock(envelope: Envelope, session: AsyncSession) -> None:
        created = payload_as(envelope, ProductCreated)
        await StockService(session=session).create_for(created)
"""

from __future__ import annotations

from shopkit.messaging import EventConsumer


def register_handlers(consumer: EventConsumer) -> None:
    """The template's sample service consumes nothing yet."""
    del consumer
