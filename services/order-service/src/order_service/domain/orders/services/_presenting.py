"""How an order is shown and judged from outside: its ETag, what its reader may do with it,
its public schema, its events' summary, and whether a payment pays for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import msgspec
from shopkit.auth import ROLE_ADMIN, Principal
from shopkit.money import Money

from order_service.db import models
from order_service.domain.orders import schemas
from order_service.domain.orders._states import (
    CANCELLABLE,
    OrderStatus,
    can_transition,
)
from order_service.domain.orders.services._placing import (
    AMOUNT_MISMATCH,
    FOREIGN_PAYMENT,
    ORDER_CANCELLED,
)
from order_service.events.events import (
    Address,
    SummaryLine,
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


def may_see(principal: Principal, order: models.Order) -> bool:
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
