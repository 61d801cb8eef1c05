"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, Redis, token verification,
health, dead letters) plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.wiring import ServiceWiring
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.config import SLUG, Settings, get_settings
from inventory_service.domain.reservations import (
    ReservationController,
    ReservationService,
    reservation_sweeper,
)
from inventory_service.domain.stock import StockFeed, StockService
from inventory_service.domain.stock.controllers import StockController
from inventory_service.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    feed = StockFeed(wiring.redis.client, settings.inventory.stock_channel)

    def stock(session: AsyncSession) -> StockService:
        return StockService(session, settings=settings.inventory, feed=feed)

    def reservations(session: AsyncSession) -> ReservationService:
        return ReservationService(session, stock=stock(session))

    register_handlers(wiring.messaging.consumer, stock, reservations)
    sweeper = reservation_sweeper(
        wiring.session_maker, reservations, settings.inventory.sweep_interval_seconds
    )
    return wiring.app(
        route_handlers=[StockController, ReservationController],
        lifespan=[feed.lifespan, sweeper.lifespan()],
        state={
            "feed": feed,
            "sweeper": sweeper,
            "stock_service": stock,
            "reservation_service": reservations,
        },
    )
