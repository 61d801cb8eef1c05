"""A service's messaging, started and stopped with its app: broker, outbox relay, consumers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shopkit.config import BrokerSettings
from shopkit.health import HealthCheck
from shopkit.messaging._broker import events_exchange, make_broker
from shopkit.messaging._dead_letters import DeadLetters
from shopkit.messaging._inbox import EventConsumer
from shopkit.messaging._outbox import OutboxRelay


class Messaging:
    """Everything a service needs to publish through its outbox and consume through its inbox.

    Declare handlers on `consumer` before the app starts; pass `lifespan` and `health_check()`
    to `create_app`.
    """

    def __init__(
        self,
        settings: BrokerSettings,
        service_name: str,
        session_maker: async_sessionmaker[AsyncSession],
        *,
        relay: bool = True,
    ) -> None:
        self.settings = settings
        self.broker: RabbitBroker = make_broker(settings, service_name)
        self.exchange = events_exchange(settings)
        self.consumer = EventConsumer(self.broker, session_maker, service_name, settings=settings)
        self.relay = (
            OutboxRelay(
                session_maker,
                self.broker,
                self.exchange,
                poll_interval=settings.outbox_poll_interval_ms / 1000,
                idle_poll_interval=settings.outbox_idle_poll_interval_ms / 1000,
                max_backoff=settings.outbox_max_backoff_ms / 1000,
            )
            if relay
            else None
        )

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        await self.broker.start()
        await self.consumer.declare()
        if self.relay is not None:
            await self.relay.start()
        try:
            yield
        finally:
            if self.relay is not None:
                await self.relay.stop()
            await self.broker.stop()

    @property
    def dead_letters(self) -> DeadLetters:
        """What this service's consumers gave up on (`shopkit.dead_letters` serves it)."""
        return DeadLetters(self.settings, lambda: self.consumer.queues)

    def health_check(self) -> HealthCheck:
        async def probe() -> None:
            if not await self.broker.ping(timeout=1.0):
                raise ConnectionError("broker not reachable")

        return HealthCheck("broker", probe)
