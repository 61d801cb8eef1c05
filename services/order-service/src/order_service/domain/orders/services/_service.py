"""`OrderService`: what customers and admins do with orders (read, place, cancel, ship) on top
of the saga's steps and the state machine."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.auth import ROLE_ADMIN, Principal
from shopkit.errors import InvalidInputError
from shopkit.money import Money

from order_service.db import models
from order_service.domain.orders import schemas
from order_service.domain.orders._states import (
    OrderStatus,
    SagaStep,
)
from order_service.domain.orders.services._placing import (
    CUSTOMER_CANCELLED,
    PLACED,
    SHIPPED,
    IdempotencyKeyReusedError,
    OrderNotFoundError,
    PlaceOrder,
)
from order_service.domain.orders.services._presenting import may_see
from order_service.domain.orders.services._saga import SagaSteps
from order_service.events.events import (
    OrderPlaced,
    OrderShipped,
    StockLine,
)


class OrderService(SagaSteps, SQLAlchemyAsyncRepositoryService[models.Order]):
    # --- reading ------------------------------------------------------------------------

    async def by_key(self, customer_id: str, key: str) -> models.Order | None:
        return await self.repo.by_key(customer_id, key)

    async def end_read(self) -> None:
        """Give the connection back before slow calls to other services."""
        await self.repo.end_read()

    async def commit(self) -> None:
        """Make what was staged durable now (checkout must know its order is stored)."""
        await self.repo.commit()

    async def summary(self, since: datetime) -> schemas.OrderSummary:
        """Orders placed since `since`, per currency, for the admin's dashboard."""
        if since.tzinfo is None:
            raise InvalidInputError("since", "needs a time zone (for example 2026-12-07T00:00:00Z)")
        return schemas.OrderSummary(
            since=since,
            by_currency=[
                schemas.CurrencySummary(
                    currency=currency,
                    orders=orders,
                    paid_orders=paid,
                    revenue=Money(revenue, currency),
                )
                for currency, orders, paid, revenue in await self.repo.summary(since)
            ],
        )

    async def get_for(self, principal: Principal, order_id: uuid.UUID) -> models.Order:
        """The order if the caller owns it or is an admin; someone else's is simply not there."""
        order = await self.repo.whole(order_id)
        if order is None or not may_see(principal, order):
            raise OrderNotFoundError
        return order

    async def list_for(
        self, principal: Principal, *, status: str | None, limit: int, offset: int
    ) -> tuple[list[models.Order], int]:
        mine_only = None if principal.has_role(ROLE_ADMIN) else principal.subject
        return await self.repo.page(
            customer_id=mine_only, status=status, limit=limit, offset=offset
        )

    # --- placing ------------------------------------------------------------------------

    async def place(self, data: PlaceOrder) -> tuple[models.Order, bool]:
        """Store the order `pending` with its lines and first history entry, and stage
        `order.placed.v1`. Returns `(order, True)`, or the order a concurrent request with
        the same key stored first and `False` (a different body is refused)."""
        now = datetime.now(UTC)
        address = data.request.shipping_address
        order = models.Order(
            id=data.order_id,
            customer_id=data.customer_id,
            customer_email=data.customer_email,
            customer_name=address.name,
            idempotency_key=data.idempotency_key,
            request_hash=data.request_hash,
            cart_id=data.request.cart_id,
            status=str(OrderStatus.PENDING),
            saga_step=str(SagaStep.RESERVE_STOCK),
            currency=data.total.currency,
            exchange_rate=data.exchange_rate,
            total=data.total.amount,
            refunded_total=0,
            shipping_address=msgspec.to_builtins(address),
            payment_id=data.payment_id,
            expires_at=now + timedelta(seconds=self.payment_timeout_seconds),
            lines=[
                models.OrderLine(
                    position=position,
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=line.unit_price.amount,
                    line_total=line.line_total.amount,
                )
                for position, line in enumerate(data.lines)
            ],
            history=[
                models.OrderStatusChange(
                    from_status=None, to_status=str(OrderStatus.PENDING), reason=PLACED, at=now
                )
            ],
        )
        if not await self.repo.save_new(order):
            existing = await self.repo.by_key(data.customer_id, data.idempotency_key)
            if existing is None:  # pragma: no cover - the clash was on something else
                raise RuntimeError("the order could not be stored")
            if existing.request_hash != data.request_hash:
                raise IdempotencyKeyReusedError
            return existing, False
        self.repo.publish(
            OrderPlaced(
                order_id=str(order.id),
                customer_id=order.customer_id,
                cart_id=order.cart_id,
                lines=[StockLine(sku=line.sku, quantity=line.quantity) for line in order.lines],
                currency=order.currency,
                total=data.total,
                reservation_ttl_seconds=self.payment_timeout_seconds,
            )
        )
        return order, True

    # --- what people do -----------------------------------------------------------------

    async def cancel_for(self, principal: Principal, order_id: uuid.UUID) -> models.Order:
        """The customer's own order (or any, for an admin), before it ships."""
        await self.get_for(principal, order_id)
        order = await self._locked(order_id)
        self._cancel(order, CUSTOMER_CANCELLED)
        return order

    async def ship(self, order_id: uuid.UUID) -> models.Order:
        order = await self._locked(order_id)
        now = datetime.now(UTC)
        self._move(order, OrderStatus.SHIPPED, SHIPPED, at=now)
        order.shipped_at = now
        self._publish(OrderShipped, order, shipped_at=now)
        return order
