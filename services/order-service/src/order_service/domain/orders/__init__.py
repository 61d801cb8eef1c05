"""Orders: placing them (checkout), their state machine, and the saga that reserves stock and
takes payment."""

from order_service.domain.orders._admission import Admission
from order_service.domain.orders._checkout import Checkout
from order_service.domain.orders._preparer import PaymentPreparer
from order_service.domain.orders._states import OrderStatus, SagaStep
from order_service.domain.orders._sweeper import checkout_timeout_sweeper
from order_service.domain.orders._upstream import Upstreams
from order_service.domain.orders.controllers import OrderController
from order_service.domain.orders.services import OrderService

__all__ = [
    "Admission",
    "Checkout",
    "OrderController",
    "OrderService",
    "OrderStatus",
    "PaymentPreparer",
    "SagaStep",
    "Upstreams",
    "checkout_timeout_sweeper",
]
