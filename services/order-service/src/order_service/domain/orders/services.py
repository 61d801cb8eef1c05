"""Order rules: placing an order, the state machine applied to every change, the saga's steps.

Every change of status goes through `_move`, which checks the transition table, writes the
history entry and stages the matching event in the outbox, all in the caller's transaction.
The saga's steps lock the order row first (`SELECT ... FOR UPDATE`), so two events about one
order (a reservation and a payment arriving together) are applied one after the other, and each
step checks the state it finds, so a late or repeated event changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import msgspec
import structlog
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.auth import ROLE_ADMIN, Principal
from shopkit.errors import InvalidInputError, NotFoundError
from shopkit.messaging import Event, Outbox
from shopkit.money import Money
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload

from order_service.config import SLUG
from order_service.db import models
from order_service.domain.orders import schemas
from order_service.domain.orders._pricing import PricedLine
from order_service.domain.orders._states import (
    CANCELLABLE,
    IN_CHECKOUT,
    REVENUE,
    OrderStatus,
    SagaStep,
    can_transition,
    check_transition,
)
from order_service.domain.orders._watch import stage_change
from order_service.events.events import (
    Address,
    OrderCancelled,
    OrderConfirmed,
    OrderPaymentRejected,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    StockLine,
    SummaryLine,
)

_logger = structlog.get_logger("order_service.orders")

IDEMPOTENCY_HEADER = "Idempotency-Key"
ORDER_ID_NAMESPACE = uuid.UUID("6f1c4b52-3c1e-4d8a-9f0e-2b7d5a1c9e30")

# Reasons written into the history and into order.cancelled's `reason`.
PLACED = "placed"
PAYMENT_PREPARED = "payment_prepared"  # created after the order, payment-service was away
RESERVED = "stock_reserved"
PAID = "payment_succeeded"
OUT_OF_STOCK = "out_of_stock"
PAYMENT_FAILED = "payment_failed"
TIMEOUT = "timeout"
CUSTOMER_CANCELLED = "cancelled_by_customer"
SHIPPED = "shipped"
REFUNDED = "refunded"
PARTIAL_REFUND = "partial_refund"
# Why a succeeded payment did not confirm its order (order.payment_rejected.v1's `reason`).
PAYMENT_REJECTED = "payment_rejected"
FOREIGN_PAYMENT = "foreign_payment"  # not the payment this order created
AMOUNT_MISMATCH = "amount_mismatch"  # short, too much, or in another currency
ORDER_CANCELLED = "order_cancelled"  # the order's own payment, after the order was cancelled
FOREIGN_REFUND = "refund_of_rejected_payment"
# The reconciliation (domain/reconciliation) applied what a lost event would have done.
RECONCILED = "reconciled"
UNKNOWN_ORDER = "unknown_order"  # a succeeded payment of an order this service does not have


def order_id_for(customer_id: str, idempotency_key: str) -> uuid.UUID:
    """The same customer and key always name the same order, so a retried checkout creates the
    same payment (payment-service is idempotent by key) and stores the order once."""
    return uuid.uuid5(ORDER_ID_NAMESPACE, f"{customer_id}\n{idempotency_key}")


class OrderNotFoundError(NotFoundError):
    code = "order-not-found"

    def __init__(self) -> None:
        super().__init__("No such order.")


class IdempotencyKeyReusedError(InvalidInputError):
    code = "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__(
            IDEMPOTENCY_HEADER, "this key was already used for an order with a different body"
        )


class PlaceOrder(msgspec.Struct, frozen=True, kw_only=True):
    """Everything checkout gathered over HTTP before the order's transaction starts."""

    order_id: uuid.UUID
    customer_id: str
    customer_email: str | None
    idempotency_key: str
    request_hash: str
    request: schemas.OrderCreate
    exchange_rate: str
    lines: list[PricedLine]
    total: Money
    payment_id: str | None  # None: payment-service was away; `PaymentPreparer` creates it


def _locked_order(history: Any) -> Any:
    return (
        select(models.Order)
        .where(models.Order.id == bindparam("order_id"))
        .options(joinedload(models.Order.lines), history(models.Order.history))
        .with_for_update(of=models.Order)
        .execution_options(populate_existing=True)
    )


# The reads of every order's checkout and saga steps are built once with parameters:
# building a statement and computing its cache key on every call cost about 0.3 ms of CPU
# each (measured in inventory-service).
_LOCK_WITH_HISTORY = _locked_order(selectinload)
_LOCK = _locked_order(lazyload)
_WHOLE = (
    select(models.Order)
    .where(models.Order.id == bindparam("order_id"))
    .options(joinedload(models.Order.lines), joinedload(models.Order.history))
)
_BY_KEY = select(models.Order).where(
    models.Order.customer_id == bindparam("customer_id"),
    models.Order.idempotency_key == bindparam("key"),
)


class OrderService(SQLAlchemyAsyncRepositoryService[models.Order]):
    class Repo(SQLAlchemyAsyncRepository[models.Order]):
        model_type = models.Order

        async def lock(
            self, order_id: uuid.UUID, *, with_history: bool = True
        ) -> models.Order | None:
            """The order row locked, with its lines in the same statement. Without
            `with_history` the history is not read (a saga step only adds to it, through
            `OrderService._record`): one statement instead of three."""
            statement = _LOCK_WITH_HISTORY if with_history else _LOCK
            result = await self.session.execute(statement, {"order_id": order_id})
            return result.unique().scalar_one_or_none()

        async def whole(self, order_id: uuid.UUID) -> models.Order | None:
            """The order with its lines and history in one statement (the order page's poll
            reads this once a second; the lines and history of one order are a few rows)."""
            result = await self.session.execute(_WHOLE, {"order_id": order_id})
            return result.unique().scalar_one_or_none()

        async def by_key(self, customer_id: str, key: str) -> models.Order | None:
            return await self.session.scalar(_BY_KEY, {"customer_id": customer_id, "key": key})

        async def claim_expired(self, now: datetime) -> models.Order | None:
            """One order whose checkout time is up, locked; replicas skip each other's."""
            return await self.session.scalar(
                select(models.Order)
                .where(
                    models.Order.status.in_([str(s) for s in IN_CHECKOUT]),
                    models.Order.expires_at <= now,
                )
                .order_by(models.Order.expires_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )

        async def claim_without_payment(self, now: datetime) -> models.Order | None:
            """One order in checkout, still in time, stored without its payment (payment-
            service was away), locked; replicas skip each other's."""
            return await self.session.scalar(
                select(models.Order)
                .where(
                    models.Order.status.in_([str(s) for s in IN_CHECKOUT]),
                    models.Order.payment_id.is_(None),
                    models.Order.expires_at > now,
                )
                .order_by(models.Order.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )

        async def summary(self, since: datetime) -> list[tuple[str, int, int, int]]:
            """Per currency, of the orders placed since `since`: (currency, orders, paid
            orders, paid totals less refunds)."""
            order = models.Order
            paid = order.status.in_([str(status) for status in REVENUE])
            rows = await self.session.execute(
                select(
                    order.currency,
                    func.count(),
                    func.count().filter(paid),
                    func.coalesce(func.sum(order.total - order.refunded_total).filter(paid), 0),
                )
                .where(order.created_at >= since)
                .group_by(order.currency)
                .order_by(order.currency)
            )
            return [(str(c), int(n), int(p), int(r)) for c, n, p, r in rows.all()]

        async def page(
            self, *, customer_id: str | None, status: str | None, limit: int, offset: int
        ) -> tuple[list[models.Order], int]:
            conditions: list[Any] = []
            if customer_id is not None:
                conditions.append(models.Order.customer_id == customer_id)
            if status is not None:
                conditions.append(models.Order.status == status)
            total = await self.session.scalar(
                select(func.count()).select_from(models.Order).where(*conditions)
            )
            rows = await self.session.scalars(
                select(models.Order)
                .where(*conditions)
                .order_by(models.Order.created_at.desc(), models.Order.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return list(rows.all()), int(total or 0)

        async def save_new(self, order: models.Order) -> bool:
            """Insert in a savepoint; False when the (customer, key) pair already exists."""
            try:
                async with self.session.begin_nested():
                    self.session.add(order)
                    await self.session.flush()
            except IntegrityError:
                return False
            return True

    repository_type = Repo

    def __init__(self, *args: Any, payment_timeout_seconds: int = 900, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment_timeout_seconds = payment_timeout_seconds

    @property
    def repo(self) -> Repo:
        repo: OrderService.Repo = self.repository  # type: ignore[assignment]
        return repo

    # --- reading ------------------------------------------------------------------------

    async def by_key(self, customer_id: str, key: str) -> models.Order | None:
        return await self.repo.by_key(customer_id, key)

    async def end_read(self) -> None:
        """Give the connection back before slow calls to other services."""
        await self.repo.session.rollback()

    async def commit(self) -> None:
        """Make what was staged durable now (checkout must know its order is stored)."""
        await self.repo.session.commit()

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
        if order is None or not _may_see(principal, order):
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
        Outbox.add(
            self.repo.session,
            OrderPlaced(
                order_id=str(order.id),
                customer_id=order.customer_id,
                cart_id=order.cart_id,
                lines=[StockLine(sku=line.sku, quantity=line.quantity) for line in order.lines],
                currency=order.currency,
                total=data.total,
                reservation_ttl_seconds=self.payment_timeout_seconds,
            ),
            SLUG,
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
        Outbox.add(
            self.repo.session,
            OrderRefunded(
                order_id=str(order.id),
                reservation_id=order.reservation_id,
                refund=Money(order.refunded_total, order.currency),
                restock=restock,
                lines=[StockLine(sku=line.sku, quantity=line.quantity) for line in order.lines],
            ),
            SLUG,
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
        Outbox.add(
            self.repo.session,
            OrderPaymentRejected(
                order_id=order_id, payment_id=payment_id, reason=UNKNOWN_ORDER, amount=amount
            ),
            SLUG,
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

    # --- helpers ------------------------------------------------------------------------

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
            self.repo.session.add(change)
        else:
            order.history.append(change)
        stage_change(self.repo.session, order.id)

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
        Outbox.add(self.repo.session, event(**summary_of(order), **extra), SLUG)

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
        Outbox.add(
            self.repo.session,
            OrderPaymentRejected(
                order_id=str(order.id), payment_id=payment_id, reason=reason, amount=amount
            ),
            SLUG,
        )


class PayableOrder(Protocol):
    """What deciding about a payment reads of an order (a row, or the reconciliation's view)."""

    @property
    def payment_id(self) -> str | None: ...
    @property
    def currency(self) -> str: ...
    @property
    def total(self) -> int: ...
    @property
    def status(self) -> str: ...


def payment_refusal(order: PayableOrder, payment_id: str, amount: Money) -> str | None:
    """Why this succeeded payment does not pay for `order`, or None when it does."""
    if payment_id != order.payment_id:
        return FOREIGN_PAYMENT
    if amount.currency != order.currency or amount.amount != order.total:
        return AMOUNT_MISMATCH
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return ORDER_CANCELLED
    return None


def stock_was_committed(order: models.Order) -> bool:
    """Whether inventory committed this order's stock: it was confirmed at some point (even if
    it was cancelled afterwards), so a full refund puts the stock back."""
    return any(change.to_status == OrderStatus.CONFIRMED for change in order.history)


def etag_of(order: models.Order) -> str:
    """The order's version as a weak ETag: every change to an order adds a history entry."""
    return f'W/"{len(order.history)}"'


def _may_see(principal: Principal, order: models.Order) -> bool:
    return principal.has_role(ROLE_ADMIN) or order.customer_id == principal.subject


def summary_of(order: models.Order) -> dict[str, Any]:
    """The *Order summary* fields (contracts/events/README.md) of `order` as it is now."""
    currency = order.currency
    return {
        "order_id": str(order.id),
        "customer_id": order.customer_id,
        "customer_email": order.customer_email,
        "customer_name": order.customer_name,
        "status": order.status,
        "currency": currency,
        "total": Money(order.total, currency),
        "lines": [
            SummaryLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=Money(line.unit_price, currency),
                line_total=Money(line.line_total, currency),
            )
            for line in order.lines
        ],
        "shipping_address": msgspec.convert(order.shipping_address, Address),
        "reservation_id": order.reservation_id,
    }


SHIP, CANCEL = "ship", "cancel"


def actions_for(principal: Principal, order: models.Order) -> list[str]:
    """What `principal` may ask of `order` now, by the state machine and the caller's role:
    `cancel` (its customer or an admin, before shipping), `ship` (an admin, once confirmed).
    Clients offer exactly these; they keep no copy of the rules."""
    status = OrderStatus(order.status)
    actions = []
    if status in CANCELLABLE:
        actions.append(CANCEL)
    if principal.has_role(ROLE_ADMIN) and can_transition(status, OrderStatus.SHIPPED):
        actions.append(SHIP)
    return actions


def to_schema(order: models.Order, principal: Principal) -> schemas.Order:
    """The order as `principal` sees it (with the actions they may take)."""
    currency = order.currency
    return schemas.Order(
        id=order.id,
        status=order.status,
        actions=actions_for(principal, order),
        customer_id=order.customer_id,
        cart_id=order.cart_id,
        currency=currency,
        exchange_rate=order.exchange_rate,
        lines=[
            schemas.OrderLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=Money(line.unit_price, currency),
                line_total=Money(line.line_total, currency),
            )
            for line in order.lines
        ],
        total=Money(order.total, currency),
        refunded=Money(order.refunded_total, currency),
        item_count=sum(line.quantity for line in order.lines),
        shipping_address=msgspec.convert(order.shipping_address, schemas.ShippingAddress),
        payment_id=order.payment_id,
        reservation_id=order.reservation_id,
        cancel_reason=order.cancel_reason,
        history=[
            schemas.StatusChange(
                from_status=change.from_status,
                to_status=change.to_status,
                reason=change.reason,
                at=change.at,
            )
            for change in order.history
        ],
        created_at=order.created_at,
        updated_at=order.updated_at,
        expires_at=order.expires_at,
        shipped_at=order.shipped_at,
    )


def to_schemas(orders: Sequence[models.Order], principal: Principal) -> list[schemas.Order]:
    return [to_schema(order, principal) for order in orders]
