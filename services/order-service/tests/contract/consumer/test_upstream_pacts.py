"""What order-service reads of cart-, product-, payment- and inventory-service over HTTP, and of the
events inventory and payment send, is exactly what the pacts promise: our real client code runs
against mock servers started from the pacts, and our real event readers decode the pacts'
messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pact import Pact
from shopkit.auth import ServiceTokenProvider
from shopkit.config import HttpSettings
from shopkit.context import caller_token_var
from shopkit.errors import InvalidInputError
from shopkit.messaging import decode_envelope, payload_as
from shopkit.money import Money
from upstream_pacts import (
    AVAILABLE,
    CART,
    CART_ID,
    CUSTOMER_ID,
    INVENTORY,
    LOST_ORDER_ID,
    LOST_PAYMENT_ID,
    LOST_RESERVATION_ID,
    LOST_TOTAL,
    PAYMENT,
    PAYMENT_ID,
    PRODUCT,
    QUANTITY,
    SKU,
    UNIT_PRICE_USD,
    UNKNOWN_CART_ID,
    USD_RATE,
)

from order_service.domain.orders import Upstreams
from order_service.domain.orders.services import order_id_for
from order_service.domain.reconciliation import Ledgers
from order_service.events.handlers import READERS

pytestmark = pytest.mark.contract


def read_as_the_handlers_do(seen: list[str]) -> object:
    def handle(body: str | bytes | None, _metadata: dict[str, object]) -> None:
        assert body is not None
        delivered = decode_envelope(body.encode() if isinstance(body, str) else body)
        event = payload_as(delivered, READERS[delivered.type])
        assert delivered.id
        assert event.order_id  # type: ignore[attr-defined]
        seen.append(delivered.type)

    return handle


def test_inventory_events_carry_what_the_saga_reads(upstream_pacts: dict[str, Pact]) -> None:
    seen: list[str] = []
    upstream_pacts[INVENTORY].verify(read_as_the_handlers_do(seen), "Async")
    assert sorted(seen) == ["inventory.reservation_failed.v1", "inventory.reserved.v1"]


def test_payment_events_carry_what_the_saga_reads(upstream_pacts: dict[str, Pact]) -> None:
    seen: list[str] = []
    upstream_pacts[PAYMENT].verify(read_as_the_handlers_do(seen), "Async")
    assert sorted(seen) == ["payment.failed.v1", "payment.refunded.v1", "payment.succeeded.v1"]


@pytest.fixture
async def upstreams(pact_mocks: dict[str, str], service_tokens: ServiceTokenProvider) -> object:
    clients = Upstreams(
        cart_url=pact_mocks[CART],
        product_url=pact_mocks[PRODUCT],
        payment_url=pact_mocks[PAYMENT],
        settings=HttpSettings(retries=0),
        service_token=service_tokens.token,
    )
    token = caller_token_var.set("a-customer-token")  # as the SDK's auth middleware does
    async with clients.lifespan():
        yield clients
    caller_token_var.reset(token)


async def test_checkout_reads_the_customers_cart(upstreams: Upstreams) -> None:
    cart = await upstreams.get_cart(CART_ID)
    assert cart.customer_id == CUSTOMER_ID
    # with what inventory-service has available, for admission to checkout
    assert [(line.sku, line.quantity, line.available) for line in cart.lines] == [
        (SKU, QUANTITY, AVAILABLE)
    ]


async def test_an_unknown_cart_is_422_on_cart_id(upstreams: Upstreams) -> None:
    with pytest.raises(InvalidInputError) as refused:
        await upstreams.get_cart(UNKNOWN_CART_ID)
    assert refused.value.invalid_params is not None
    assert refused.value.invalid_params[0].name == "cart_id"


async def test_checkout_reads_current_prices_and_the_exchange_rate(upstreams: Upstreams) -> None:
    products = await upstreams.get_products(["SKU-1", "SKU-2"], "USD")
    assert products[SKU].price == Money(UNIT_PRICE_USD, "USD")
    assert products[SKU].status == "active"
    assert await upstreams.get_currency_rate("USD") == USD_RATE


async def test_checkout_creates_the_orders_payment(upstreams: Upstreams) -> None:
    order_id = order_id_for(CUSTOMER_ID, "checkout-0001")
    payment_id = await upstreams.create_payment(
        order_id, CUSTOMER_ID, Money(UNIT_PRICE_USD * QUANTITY, "USD"), "checkout-0001"
    )
    assert payment_id == PAYMENT_ID


@pytest.fixture
async def ledgers(pact_mocks: dict[str, str], service_tokens: ServiceTokenProvider) -> object:
    clients = Ledgers(
        payment_url=pact_mocks[PAYMENT],
        inventory_url=pact_mocks[INVENTORY],
        settings=HttpSettings(retries=0),
        service_token=service_tokens.token,
    )
    async with clients.lifespan():
        yield clients


WIDE = (datetime(2001, 1, 1, tzinfo=UTC), datetime(2999, 1, 1, tzinfo=UTC))


async def test_the_reconciliation_reads_succeeded_payments_and_those_of_orders(
    ledgers: Ledgers,
) -> None:
    for payments in (
        await ledgers.succeeded_payments(*WIDE),
        await ledgers.payments_of([LOST_ORDER_ID]),
    ):
        (payment,) = payments
        assert (payment.id, payment.order_id) == (LOST_PAYMENT_ID, LOST_ORDER_ID)
        assert payment.amount == Money(LOST_TOTAL, "USD")
        assert payment.status == "succeeded"


async def test_the_reconciliation_reads_reservations_and_commits_or_releases_them(
    ledgers: Ledgers,
) -> None:
    (held,) = await ledgers.old_active_reservations(WIDE[1])
    assert (held.reservation_id, held.order_id, held.status) == (
        LOST_RESERVATION_ID,
        LOST_ORDER_ID,
        "active",
    )
    (closed,) = await ledgers.reservations_of([LOST_ORDER_ID])
    assert closed.status == "committed"
    assert (await ledgers.commit(LOST_RESERVATION_ID)).status_code == 200
    assert (await ledgers.release(LOST_RESERVATION_ID)).status_code == 200
