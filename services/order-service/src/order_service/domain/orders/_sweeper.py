"""Cancels checkouts that ran out of time, in the background of every replica.

A `shopkit.tasks.Sweeper`: each timed-out order is claimed with `FOR UPDATE SKIP LOCKED` and
cancelled (with its `order.cancelled.v1`) in its own transaction, so replicas sweep side by
side without cancelling anything twice, and a failure on one order does not hold back the
others.
"""

from __future__ import annotations

from collections.abc import Callable

from shopkit.tasks import Sweeper
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from order_service.domain.orders.services import OrderService


def checkout_timeout_sweeper(
    session_maker: async_sessionmaker[AsyncSession],
    services: Callable[[AsyncSession], OrderService],
    interval_seconds: float,
) -> Sweeper:
    return Sweeper(
        "order-checkout-timeout-sweeper",
        session_maker,
        lambda session: services(session).cancel_one_expired(),
        interval_seconds,
        done="timed-out checkouts cancelled",
    )
