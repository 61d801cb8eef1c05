"""`POST /api/orders`: everything that needs another service happens first, outside any
database transaction; then one transaction stores the order and stages `order.placed.v1`.

Safe to retry at every point: the order id is derived from the customer and the
Idempotency-Key, and the payment is created with the same key, so a checkout that died after
creating its payment and before storing the order creates the same payment and then the order
when the client retries.

An order does not wait for payment-service: when it cannot be reached the order is stored
without a payment (`payment_id` null in the answer) and `PaymentPreparer` creates it, with the
same key, as soon as payment-service answers again; the client follows the order until it has
its `payment_id` (the order's ETag changes then), and pays.
"""

from __future__ import annotations

import hashlib
import uuid

import msgspec
import structlog
from shopkit.auth import Principal
from shopkit.countries import check_country
from shopkit.errors import InvalidInputError
from shopkit.http import ServiceUnavailable

from order_service.db import models
from order_service.domain.orders._admission import Admission, Claim
from order_service.domain.orders._preparer import PaymentPreparer
from order_service.domain.orders._pricing import order_total, price_lines
from order_service.domain.orders._upstream import Cart, Upstreams
from order_service.domain.orders.schemas import OrderCreate
from order_service.domain.orders.services import (
    IDEMPOTENCY_HEADER,
    IdempotencyKeyReusedError,
    OrderService,
    PlaceOrder,
    order_id_for,
)

_logger = structlog.get_logger("order_service.checkout")
MAX_KEY_LENGTH = 255
MAX_SKUS_PER_CALL = 100


def request_hash(data: OrderCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


def check_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise InvalidInputError(IDEMPOTENCY_HEADER, "the header is required")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInputError(IDEMPOTENCY_HEADER, f"at most {MAX_KEY_LENGTH} characters")
    return key


class Checkout:
    def __init__(
        self, upstreams: Upstreams, admission: Admission, preparer: PaymentPreparer
    ) -> None:
        self.upstreams = upstreams
        self.admission = admission
        self.preparer = preparer

    async def place_order(
        self, principal: Principal, key: str, data: OrderCreate, orders: OrderService
    ) -> tuple[models.Order, bool]:
        """The order and whether this call created it (False: the same key was seen before)."""
        check_country("shipping_address.country", data.shipping_address.country)
        fingerprint = request_hash(data)
        existing = await orders.by_key(principal.subject, key)
        if existing is not None:
            if existing.request_hash != fingerprint:
                raise IdempotencyKeyReusedError
            return existing, False
        await orders.end_read()

        rate = await self.upstreams.get_currency_rate(data.currency)
        cart = await self.upstreams.get_cart(data.cart_id)
        if cart.customer_id != principal.subject:
            raise InvalidInputError("cart_id", "no such cart")
        if not cart.lines:
            raise InvalidInputError("cart_id", "the cart is empty")
        order_id = order_id_for(principal.subject, key)
        claims = _claims(cart)
        await self.admission.admit(str(order_id), claims)
        try:
            return await self._place(
                principal, key, data, orders, order_id, cart, fingerprint, rate
            )
        except BaseException:
            await self.admission.release(str(order_id), [(c.sku, c.quantity) for c in claims])
            raise

    async def _place(
        self,
        principal: Principal,
        key: str,
        data: OrderCreate,
        orders: OrderService,
        order_id: uuid.UUID,
        cart: Cart,
        fingerprint: str,
        rate: str,
    ) -> tuple[models.Order, bool]:
        skus = list(dict.fromkeys(line.sku for line in cart.lines))
        products = {}
        for start in range(0, len(skus), MAX_SKUS_PER_CALL):
            chunk = skus[start : start + MAX_SKUS_PER_CALL]
            products.update(await self.upstreams.get_products(chunk, data.currency))
        lines = price_lines(cart.lines, products, data.currency)
        total = order_total(lines, data.currency)
        try:
            payment_id: str | None = await self.upstreams.create_payment(
                order_id, principal.subject, total, key
            )
        except ServiceUnavailable:
            _logger.warning("order placed without its payment for now", order_id=str(order_id))
            payment_id = None
        placed = await orders.place(
            PlaceOrder(
                order_id=order_id,
                customer_id=principal.subject,
                customer_email=principal.email,
                idempotency_key=key,
                request_hash=fingerprint,
                request=data,
                exchange_rate=rate,
                lines=lines,
                total=total,
                payment_id=payment_id,
            )
        )
        # Committed here, not after the handler: if storing fails, the claims end (above).
        await orders.commit()
        if payment_id is None:
            self.preparer.wake()
        return placed


def _claims(cart: Cart) -> list[Claim]:
    """Units per SKU the cart asks for, with what inventory-service had available."""
    quantities: dict[str, int] = {}
    available: dict[str, int] = {}
    for line in cart.lines:
        quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
        available[line.sku] = line.available
    return [Claim(sku, quantities[sku], available[sku]) for sku in sorted(quantities)]
