"""The synchronous calls checkout makes: cart-service, product-service, payment-service.

Cart calls are made as the caller (`forward_caller_token`: the customer's own bearer token),
so cart-service authorizes the customer as usual. The payment is created with order-service's
own service token (scope `payments:create`, from user-service by the client-credentials
grant): only order-service may create payments, for exactly its order's total, currency and
customer. The Structs are this service's tolerant readers: only the fields checkout uses (the
consumer pacts in contracts/pacts pin exactly these). Answers are read by the SDK's one
mapping: a service away or failing is `ServiceUnavailable` (503), a refusal or a broken
contract `UpstreamRejected` (502).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import msgspec
from shopkit.cache import LocalCache
from shopkit.config import HttpSettings
from shopkit.errors import InvalidInputError
from shopkit.http import ServiceClient, UpstreamRejected, forward_caller_token
from shopkit.money import Money

CART, PRODUCT, PAYMENT = "cart-service", "product-service", "payment-service"
RATES_SECONDS = 5.0


class CartLine(msgspec.Struct):
    sku: str
    quantity: int
    available: int  # what inventory-service had available when cart-service read the cart


class Cart(msgspec.Struct):
    id: str
    customer_id: str | None
    lines: list[CartLine]


class Product(msgspec.Struct):
    sku: str
    name: str
    price: Money
    status: str


class ProductList(msgspec.Struct):
    items: list[Product]


class CurrencyRate(msgspec.Struct):
    code: str
    rate: str


class CurrencyList(msgspec.Struct):
    items: list[CurrencyRate]


class PaymentCreated(msgspec.Struct):
    id: str


class Upstreams:
    """One pooled client per upstream for the app's lifetime (`lifespan` closes them)."""

    def __init__(
        self,
        *,
        cart_url: str,
        product_url: str,
        payment_url: str,
        settings: HttpSettings,
        service_token: Callable[[], Awaitable[str]],
    ) -> None:
        """`service_token` gives order-service's own token for payment-service (a
        `ServiceTokenProvider`'s `token`)."""
        self.cart = ServiceClient(
            cart_url, settings=settings, name=CART, token_provider=forward_caller_token
        )
        self.product = ServiceClient(product_url, settings=settings, name=PRODUCT)
        self.payment = ServiceClient(
            payment_url, settings=settings, name=PAYMENT, token_provider=service_token
        )
        self._rates = LocalCache(max_entries=1, ttl_seconds=RATES_SECONDS)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for client in (self.cart, self.product, self.payment):
                await client.aclose()

    async def get_cart(self, cart_id: str) -> Cart:
        """The caller's cart; a cart that is unknown or someone else's is a 422 on cart_id."""
        try:
            return await self.cart.get_json(f"/api/carts/{cart_id}", Cart)
        except UpstreamRejected as refused:
            if refused.status in (403, 404):
                raise InvalidInputError("cart_id", "no such cart") from None
            raise

    async def get_currency_rate(self, currency: str) -> str:
        """How many units of `currency` one EUR buys now; 422 on currency if it is not sold in.

        The rates are read at most every `RATES_SECONDS` per process (they change when an admin
        edits them, not per order; every order used to read them again).
        """

        async def read_rates() -> CurrencyList:
            return await self.product.get_json("/api/currencies", CurrencyList)

        listed: CurrencyList = await self._rates.get_or_load("rates", read_rates)
        for item in listed.items:
            if item.code == currency:
                return item.rate
        raise InvalidInputError("currency", f"{currency} is not a supported currency")

    async def get_products(self, skus: list[str], currency: str) -> dict[str, Product]:
        """Current name, status and price in `currency` of each SKU; unknown SKUs are absent."""
        listed = await self.product.get_json(
            "/api/products/skus",
            ProductList,
            params={"skus": ",".join(skus), "currency": currency},
        )
        return {item.sku: item for item in listed.items}

    async def create_payment(
        self, order_id: UUID, customer_id: str, amount: Money, idempotency_key: str
    ) -> str:
        """The order's payment, for its customer and total (idempotent by the order's key: a
        retry gets the same one). `ServiceUnavailable` when payment-service cannot be reached
        or answers with a server error: the order can be placed without it for now
        (`PaymentPreparer` creates it once payment-service is back)."""
        created = await self.payment.call(
            "POST",
            "/api/payments",
            PaymentCreated,
            json={
                "order_id": str(order_id),
                "customer_id": customer_id,
                "amount": msgspec.to_builtins(amount),
            },
            headers={"Idempotency-Key": idempotency_key},
        )
        return created.id
