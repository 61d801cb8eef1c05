"""Order rules: placing an order, the state machine applied to every change, the saga's steps.

Every change of status goes through `_move` (`_machine`), which checks the transition table,
writes the history entry and stages the matching event in the outbox, all in the caller's
transaction. The saga's steps (`_saga`) lock the order row first (`SELECT ... FOR UPDATE`), so
two events about one order (a reservation and a payment arriving together) are applied one
after the other, and each step checks the state it finds, so a late or repeated event changes
nothing. The queries live in `_repository`; how an order is shown and judged in `_presenting`.
"""

from order_service.domain.orders.services._placing import (
    AMOUNT_MISMATCH,
    CUSTOMER_CANCELLED,
    FOREIGN_PAYMENT,
    FOREIGN_REFUND,
    IDEMPOTENCY_HEADER,
    ORDER_CANCELLED,
    ORDER_ID_NAMESPACE,
    OUT_OF_STOCK,
    PAID,
    PARTIAL_REFUND,
    PAYMENT_FAILED,
    PAYMENT_PREPARED,
    PAYMENT_REJECTED,
    PLACED,
    RECONCILED,
    REFUNDED,
    RESERVED,
    SHIPPED,
    TIMEOUT,
    UNKNOWN_ORDER,
    IdempotencyKeyReusedError,
    OrderNotFoundError,
    PlaceOrder,
    order_id_for,
)
from order_service.domain.orders.services._presenting import (
    PayableOrder,
    actions_for,
    etag_of,
    payment_refusal,
    stock_was_committed,
    summary_of,
    to_schema,
    to_schemas,
)
from order_service.domain.orders.services._repository import OrderRepository
from order_service.domain.orders.services._service import OrderService

__all__ = [
    "AMOUNT_MISMATCH",
    "CUSTOMER_CANCELLED",
    "FOREIGN_PAYMENT",
    "FOREIGN_REFUND",
    "IDEMPOTENCY_HEADER",
    "ORDER_CANCELLED",
    "ORDER_ID_NAMESPACE",
    "OUT_OF_STOCK",
    "PAID",
    "PARTIAL_REFUND",
    "PAYMENT_FAILED",
    "PAYMENT_PREPARED",
    "PAYMENT_REJECTED",
    "PLACED",
    "RECONCILED",
    "REFUNDED",
    "RESERVED",
    "SHIPPED",
    "TIMEOUT",
    "UNKNOWN_ORDER",
    "IdempotencyKeyReusedError",
    "OrderNotFoundError",
    "OrderRepository",
    "OrderService",
    "PayableOrder",
    "PlaceOrder",
    "actions_for",
    "etag_of",
    "order_id_for",
    "payment_refusal",
    "stock_was_committed",
    "summary_of",
    "to_schema",
    "to_schemas",
]
