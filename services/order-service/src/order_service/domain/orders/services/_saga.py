"""The saga's steps (event handlers and the sweepers) and the reconciliation's repairs: each
locks its order first and checks the state it finds, so a late or repeated event changes
nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shopkit.money import Money

from order_service.db import models
from order_service.domain.orders._states import (
    IN_CHECKOUT,
    OrderStatus,
    SagaStep,
)
from order_service.domain.orders.services._machine import OrderMachine, _logger
from order_service.domain.orders.services._placing import (
    FOREIGN_REFUND,
    OUT_OF_STOCK,
    PAID,
    PARTIAL_REFUND,
    PAYMENT_FAILED,
    PAYMENT_PREPARED,
    RECONCILED,
    REFUNDED,
    RESERVED,
    TIMEOUT,
    UNKNOWN_ORDER,
)
from order_service.domain.orders.services._presenting import payment_refusal, stock_was_committed
from order_service.events.events import (
    OrderPaymentRejected,
    OrderRefunded,
    StockLine,
)


class SagaSteps(OrderMachine):
    # --- the saga's steps (event handlers and the sweeper) -----------------------------

    async def stock_reserved(self, order_id: uuid.UUID, reservation_id: str) -> models.Order | None:
        """Returns the order (None if there is none), so its admission claims can end."""
        order = await self._saga_order(order_id, "inventory.reserved")
        if order is None:
            return None
        if order.reservation_id is not None:
            return order  # already applied (a second reservation for one order is ignored too)
        order.reservation_id = reservation_id
        if order.saga_step == SagaStep.PAID_AWAITING_RESERVATION:
            self._confirm(order, RESERVED)
        elif order.saga_step == SagaStep.RESERVE_STOCK:
            self._move(order, OrderStatus.AWAITING_PAYMENT, RESERVED)
            order.saga_step = str(SagaStep.COLLECT_PAYMENT)
        else:
            # Cancelled meanwhile (timeout, payment failed): inventory releases by order id
            # when it handles order.cancelled, or when the reservation expires.
            self._note(order, "late_reservation_ignored")
        return order

    async def stock_unavailable(self, order_id: uuid.UUID) -> models.Order | None:
        """Returns the order (None if there is none), so its admission claims can end."""
        order = await self._saga_order(order_id, "inventory.reservation_failed")
        if order is None or OrderStatus(order.status) not in IN_CHECKOUT:
            return order
        if order.saga_step == SagaStep.PAID_AWAITING_RESERVATION:
            # order.cancelled tells payment-service, which refunds the payment in full.
            _logger.warning("paid order out of stock; it is refunded", order_id=str(order_id))
        self._cancel(order, OUT_OF_STOCK)
        return order

    async def payment_succeeded(self, order_id: uuid.UUID, payment_id: str, amount: Money) -> None:
        """Only the order's own payment, for exactly its total in its currency, pays for it.
        Any other succeeded payment is rejected: noted in the history, logged, and announced
        (`order.payment_rejected.v1`) so payment-service gives the money back."""
        order = await self._saga_order(order_id, "payment.succeeded")
        if order is None:
            return
        refusal = payment_refusal(order, payment_id, amount)
        if refusal is not None:
            self._reject_payment(order, payment_id, amount, refusal)
            return
        if order.saga_step == SagaStep.COLLECT_PAYMENT:
            self._confirm(order, PAID)
        elif order.saga_step == SagaStep.RESERVE_STOCK:
            order.saga_step = str(SagaStep.PAID_AWAITING_RESERVATION)
            self._note(order, "payment_received_awaiting_stock")

    async def payment_failed(self, order_id: uuid.UUID) -> None:
        order = await self._saga_order(order_id, "payment.failed")
        if order is None or OrderStatus(order.status) not in IN_CHECKOUT:
            return
        if order.saga_step == SagaStep.PAID_AWAITING_RESERVATION:
            return  # an earlier attempt failed, a later one succeeded: the success stands
        self._cancel(order, PAYMENT_FAILED)

    async def payment_refunded(
        self, order_id: uuid.UUID, payment_id: str, amount: Money, refunded_total: Money
    ) -> None:
        """A refund of the order's own payment counts towards the order; the refund of a
        payment it rejected is only noted."""
        order = await self._saga_order(order_id, "payment.refunded", with_history=True)
        if order is None:
            return
        if payment_id != order.payment_id:
            self._note(order, f"{FOREIGN_REFUND} {payment_id} {amount.amount} {amount.currency}")
            return
        if order.status == OrderStatus.REFUNDED:
            return
        if (
            refunded_total.currency != order.currency
            or refunded_total.amount <= order.refunded_total
        ):
            return  # an older refund arriving late, or one already counted
        order.refunded_total = refunded_total.amount
        if refunded_total.amount < order.total:
            self._note(order, f"{PARTIAL_REFUND} {amount.amount} {amount.currency}")
            return
        restock = stock_was_committed(order)
        self._move(order, OrderStatus.REFUNDED, REFUNDED)
        self.repo.publish(
            OrderRefunded(
                order_id=str(order.id),
                reservation_id=order.reservation_id,
                refund=Money(order.refunded_total, order.currency),
                restock=restock,
                lines=[StockLine(sku=line.sku, quantity=line.quantity) for line in order.lines],
            )
        )

    # --- the reconciliation's repairs (domain/reconciliation) ----------------------------

    async def apply_lost_payment(self, order_id: uuid.UUID, payment_id: str, amount: Money) -> str:
        """payment-service says this payment succeeded but the order never heard: apply it as
        its `payment.succeeded` would have been, and note the repair. The order's status."""
        await self.payment_succeeded(order_id, payment_id, amount)
        order = await self._locked(order_id)
        self._note(order, f"{RECONCILED} {PAID} {payment_id}")
        return order.status

    async def refund_kept_payment(
        self, order_id: uuid.UUID, payment_id: str, amount: Money, reason: str
    ) -> None:
        """A succeeded payment this order does not accept (it was cancelled, or the payment is
        not its own) still holds the money: ask payment-service again to give it back."""
        order = await self._locked(order_id)
        self._reject_payment(order, payment_id, amount, f"{RECONCILED} {reason}")

    def refund_payment_of_unknown_order(
        self, order_id: str, payment_id: str, amount: Money
    ) -> None:
        """A succeeded payment for an order this service does not have: give it back."""
        _logger.warning(
            "a succeeded payment of an unknown order; it is refunded",
            order_id=order_id,
            payment_id=payment_id,
        )
        self.repo.publish(
            OrderPaymentRejected(
                order_id=order_id, payment_id=payment_id, reason=UNKNOWN_ORDER, amount=amount
            )
        )

    async def claim_one_without_payment(self) -> models.Order | None:
        return await self.repo.claim_without_payment(datetime.now(UTC))

    def attach_payment(self, order: models.Order, payment_id: str) -> None:
        """The payment created after the order; noted in its history, which changes its ETag
        and wakes whoever follows it (the client waits for it to pay)."""
        order.payment_id = payment_id
        self._note(order, PAYMENT_PREPARED)

    async def cancel_one_expired(self, now: datetime | None = None) -> models.Order | None:
        """Cancel (reason timeout) one order whose checkout ran out of time; None if none."""
        order = await self.repo.claim_expired(now or datetime.now(UTC))
        if order is not None:
            self._cancel(order, TIMEOUT)
        return order
