"""How requests get this service's services: built on the request's session by the same
factories (`app.state`) that event handlers and the sweeper use."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.domain.reservations.services import ReservationService
from inventory_service.domain.stock._live import StockFeed
from inventory_service.domain.stock.services import StockService


async def provide_stock(db_session: NamedDependency[AsyncSession], state: State) -> StockService:
    stock: StockService = state["stock_service"](db_session)
    return stock


async def provide_reservations(
    db_session: NamedDependency[AsyncSession], state: State
) -> ReservationService:
    reservations: ReservationService = state["reservation_service"](db_session)
    return reservations


async def provide_feed(state: State) -> StockFeed:
    feed: StockFeed = state["feed"]
    return feed
