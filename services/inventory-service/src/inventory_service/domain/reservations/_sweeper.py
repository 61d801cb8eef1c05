"""Releases reservations whose time is up, in the background of every replica.

A `shopkit.tasks.Sweeper`: each expired reservation is claimed with `FOR UPDATE SKIP LOCKED`
and released in its own transaction, so several replicas sweep side by side without releasing
anything twice and a failure on one reservation does not hold back the others.
"""

from __future__ import annotations

from collections.abc import Callable

from shopkit.tasks import Sweeper
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory_service.domain.reservations.services import ReservationService


def reservation_sweeper(
    session_maker: async_sessionmaker[AsyncSession],
    services: Callable[[AsyncSession], ReservationService],
    interval_seconds: float,
) -> Sweeper:
    return Sweeper(
        "inventory-reservation-sweeper",
        session_maker,
        lambda session: services(session).release_expired(),
        interval_seconds,
        done="expired reservations released",
    )
