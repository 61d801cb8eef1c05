"""What placing an order starts from: the idempotency key and the order id it names, the
errors a caller gets, the reasons written into the history and the events."""

from __future__ import annotations

import uuid

import msgspec
from shopkit.errors import InvalidInputError, NotFoundError
from shopkit.money import Money

from order_service.domain.orders import schemas
from order_service.domain.orders._pricing import PricedLine

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
