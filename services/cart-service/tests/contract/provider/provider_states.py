"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real Redis in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).
- `request_headers(token_factory)`: headers added to every replayed HTTP request; a consumer's
  pact shows the shape of its bearer token, this supplies one the app under test accepts.
  The verifier adds them to every request, also to those a pact sends without a token (the
  storefront's guest cart), so the token holds the state's customer as subject and no role:
  a customer cart still answers only to its owner, and a request without a token in the pact
  is served as a guest's would be (a role would make `POST /api/carts` the customer's cart).

cart-service publishes no events, so `MESSAGES` is empty. A cart is priced when it is read, so
during verification the app's product- and inventory-service calls go to the contract-backed
stand-in the test settings point at (tests/catalog_pacts.py), which sells SKU-1 and SKU-2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from shopkit.testing import pact_files_for

from cart_service.config import SLUG, Settings
from cart_service.domain.carts import CartStore
from cart_service.domain.carts._store import StoredCart

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]

QUANTITY = 2


async def _customer_cart(
    settings: Settings, cart_id: str, customer_id: str, skus: list[str], currency: str
) -> None:
    """The customer's one cart under the id the consumer names, holding `QUANTITY` of each SKU,
    its lines written by the store's own compare-and-set."""
    client = aioredis.Redis.from_url(settings.redis.url)
    store = CartStore(
        client, prefix=settings.cart.key_prefix, guest_ttl_seconds=settings.cart.guest_ttl_seconds
    )
    try:
        await client.delete(store.meta_key(cart_id), store.lines_key(cart_id))
        await client.set(store.owner_key(customer_id), cart_id)
        await client.hset(
            store.meta_key(cart_id), mapping={"currency": currency, "customer_id": customer_id}
        )
        cart = StoredCart(id=cart_id, currency=currency, customer_id=customer_id, lines={})
        for sku in skus:
            await store.set_line(
                cart, sku, expected=0, quantity=QUANTITY, max_lines=settings.cart.max_lines
            )
    finally:
        await client.aclose()


async def _guest_cart(settings: Settings, cart_id: str, skus: list[str], currency: str) -> None:
    """A guest cart under the id the consumer names, holding `QUANTITY` of each SKU (none when
    no `skus` are named), expiring like any guest cart; its lines written by the store."""
    client = aioredis.Redis.from_url(settings.redis.url)
    store = CartStore(
        client, prefix=settings.cart.key_prefix, guest_ttl_seconds=settings.cart.guest_ttl_seconds
    )
    try:
        await client.delete(store.meta_key(cart_id), store.lines_key(cart_id))
        await client.hset(
            store.meta_key(cart_id), mapping={"currency": currency, "customer_id": ""}
        )
        await client.expire(store.meta_key(cart_id), settings.cart.guest_ttl_seconds)
        cart = StoredCart(id=cart_id, currency=currency, customer_id=None, lines={})
        for sku in skus:
            await store.set_line(
                cart, sku, expected=0, quantity=QUANTITY, max_lines=settings.cart.max_lines
            )
    finally:
        await client.aclose()


def _skus(params: dict[str, Any], default: str = "") -> list[str]:
    return [sku.strip() for sku in str(params.get("skus", default)).split(",") if sku.strip()]


def guest_cart_exists(settings: Settings) -> Callable[..., None]:
    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        asyncio.run(
            _guest_cart(
                settings,
                cart_id=str(params["cart_id"]),
                skus=_skus(params),
                currency=str(params.get("currency", "EUR")),
            )
        )

    return setup


def customer_cart_with_lines(settings: Settings) -> Callable[..., None]:
    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        asyncio.run(
            _customer_cart(
                settings,
                cart_id=str(params["cart_id"]),
                customer_id=str(params["customer_id"]),
                skus=_skus(params, "SKU-1"),
                currency=str(params.get("currency", "EUR")),
            )
        )

    return setup


STATES: dict[str, StateSetup] = {
    "a customer cart with lines exists": customer_cart_with_lines,
    "a guest cart exists": guest_cart_exists,
}
MESSAGES: dict[str, MessageBuilder] = {}


def _customer_in_states() -> str:
    """The customer the consumers' provider states name (order-service reads that one's cart)."""
    for path in pact_files_for(SLUG):
        for interaction in json.loads(path.read_text(encoding="utf-8")).get("interactions", []):
            for state in interaction.get("providerStates", []):
                customer = state.get("params", {}).get("customer_id")
                if customer:
                    return str(customer)
    return "user-pact-verification"


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """A token for the state's customer, so the cart's ownership check runs for real
    (order-service forwards its customer's token); without a role (see above)."""
    del consumer  # every consumer's requests carry the same headers
    token = token_factory(roles=(), subject=_customer_in_states())
    return {"Authorization": f"Bearer {token}"}
