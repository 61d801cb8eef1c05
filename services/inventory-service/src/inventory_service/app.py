"""The app: the SDK's service defaults plus this service's controllers and event handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import metadata
from typing import Any

from litestar import Litestar
from shopkit.app import create_app as create_service_app
from shopkit.auth import auth_middleware, verifier_from_settings
from shopkit.cache import RedisConnection
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.messaging import Messaging
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.config import SLUG, Settings, get_settings
from inventory_service.domain.reservations import (
    ReservationController,
    ReservationService,
    ReservationSweeper,
)
from inventory_service.domain.stock import StockFeed, StockService
from inventory_service.domain.stock.controllers import StockController
from inventory_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = sqlalchemy_config(settings.database)
    session_maker = database.create_session_maker()
    messaging = Messaging(settings.broker, SLUG, session_maker)
    redis = RedisConnection(settings.redis)
    feed = StockFeed(redis.client, settings.inventory.stock_channel)

    def stock(session: AsyncSession) -> StockService:
        return StockService(session, settings=settings.inventory, feed=feed)

    def reservations(session: AsyncSession) -> ReservationService:
        return ReservationService(session, stock=stock(session))

    register_handlers(messaging.consumer, stock, reservations)
    sweeper = ReservationSweeper(
        session_maker, reservations, settings.inventory.sweep_interval_seconds
    )
    verifier = verifier_from_settings(settings.auth)

    @asynccontextmanager
    async def close_jwks(_app: Any) -> AsyncIterator[None]:
        yield
        await verifier.jwks.aclose()

    return create_service_app(
        service=settings.service,
        description=metadata(SLUG)["Summary"],
        route_handlers=[
            StockController,
            ReservationController,
            dead_letters_router(messaging.dead_letters, SLUG),
        ],
        database=database,
        auth_middleware=auth_middleware(verifier),
        health_checks=[messaging.health_check(), redis.health_check()],
        lifespan=[
            messaging.lifespan,
            redis.lifespan,
            feed.lifespan,
            sweeper.lifespan(),
            close_jwks,
        ],
        state={
            "messaging": messaging,
            "settings": settings,
            "feed": feed,
            "sweeper": sweeper,
            "stock_service": stock,
            "reservation_service": reservations,
        },
        telemetry=settings.telemetry,
    )
