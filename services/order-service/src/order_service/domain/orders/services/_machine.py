"""The order state machine every change goes through (`_move`: the transition table, the
history entry, the event staged in the outbox, all in the caller's transaction), and the row
lock the saga's steps take first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from shopkit.messaging import Event
from shopkit.money import Money
from sqlalchemy import inspect

from order_service.db import models
from order_service.domain.orders._states import (
    OrderStatus,
    SagaStep,
    check_transition,
)
from order_service.domain.orders.services._placing import PAYMENT_REJECTED, OrderNotFoundError
from order_service.domain.orders.services._presenting import summary_of
from order_service.domain.orders.services._repository import OrderRepository
from order_service.events.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderPaymentRejected,
)

_logger = structlog.get_logger("order_service.orders")


class OrderMachine:
    """Base of `OrderService` (mixed in before advanced-alchemy's service)."""

    Repo = OrderRepository
    repository_type = OrderRepository

    def __init__(self, *args: Any, payment_timeout_seconds: int = 900, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment_timeout_seconds = payment_timeout_seconds

    @property
    def repo(self) -> OrderRepository:
        repo: OrderRepository = self.repository  # type: ignore[attr-defined]
        return repo

    async def _locked(self, order_id: uuid.UUID) -> models.Order:
        order = await self.repo.lock(order_id)
        if order is None:
            raise OrderNotFoundError
        return order

    async def _saga_order(
        self, order_id: uuid.UUID, event: str, *, with_history: bool = False
    ) -> models.Order | None:
        order = await self.repo.lock(order_id, with_history=with_history)
        if order is None:
            _logger.warning(
                "event about an unknown order ignored", order_id=str(order_id), event=event
            )
            return None
        return order

    def _move(
        self, order: models.Order, target: OrderStatus, reason: str, *, at: datetime | None = None
    ) -> None:
        current = OrderStatus(order.status)
        check_transition(current, target)
        order.status = str(target)
        self._record(order, str(current), reason, at or datetime.now(UTC))

    def _note(self, order: models.Order, reason: str) -> None:
        self._record(order, order.status, reason, datetime.now(UTC))

    def _record(self, order: models.Order, from_status: str, reason: str, at: datetime) -> None:
        """Add a history entry without loading the history when it is not loaded yet."""
        change = models.OrderStatusChange(
            order_id=order.id, from_status=from_status, to_status=order.status, reason=reason, at=at
        )
        if "history" in inspect(order).unloaded:
            self.repo.add_history(change)
        else:
            order.history.append(change)
        self.repo.stage_change(order.id)

    def _confirm(self, order: models.Order, reason: str) -> None:
        self._move(order, OrderStatus.CONFIRMED, reason)
        order.saga_step = str(SagaStep.COMPLETED)
        self._publish(OrderConfirmed, order)

    def _cancel(self, order: models.Order, reason: str) -> None:
        self._move(order, OrderStatus.CANCELLED, reason)
        order.saga_step = str(SagaStep.COMPENSATED)
        order.cancel_reason = reason
        self._publish(OrderCancelled, order, reason=reason)

    def _publish(self, event: type[Event], order: models.Order, **extra: Any) -> None:
        self.repo.publish(event(**summary_of(order), **extra))

    def _reject_payment(
        self, order: models.Order, payment_id: str, amount: Money, reason: str
    ) -> None:
        _logger.warning(
            "a succeeded payment did not pay for its order; it is refunded",
            order_id=str(order.id),
            order_payment_id=order.payment_id,
            payment_id=payment_id,
            amount=amount.amount,
            currency=amount.currency,
            order_total=order.total,
            order_currency=order.currency,
            order_status=order.status,
            reason=reason,
        )
        self._note(order, f"{PAYMENT_REJECTED} {reason} {payment_id}")
        self.repo.publish(
            OrderPaymentRejected(
                order_id=str(order.id), payment_id=payment_id, reason=reason, amount=amount
            )
        )
