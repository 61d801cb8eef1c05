"""The app: this service's controllers, event handlers, workers and dependencies, wired by the
SDK's plugin (`shopkit.wiring`: database, broker, Redis, token verification, health, dead
letters). Requests, events and the sweeper build the services with the same factories."""

from __future__ import annotations

from litestar import Litestar
from shopkit.providers import per_request, shared
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
    return Litestar(
        route_handlers=[StockController, ReservationController],
        dependencies={
            "stock": per_request(stock),
            "reservations": per_request(reservations),
            "feed": shared(feed),
            "inventory_settings": shared(settings.inventory),
        },
        lifespan=[feed.lifespan, sweeper.lifespan()],
        plugins=[wiring.plugin()],
    )
