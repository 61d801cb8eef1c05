"""order-service's consumer pacts, one `Pact` object per provider, shared by two kinds of test:

- tests/contract/consumer/ checks that our real readers take what each pact promises (HTTP
  responses and the events the saga consumes);
- the integration tests point the real app's HTTP clients at mock servers started from these
  same Pact objects, so checkout talks to contract-backed stand-ins of cart-, product- and
  payment-service, never to hand-written fakes.

Each pact pins only what order-service reads. The files are written once per test session, by
the `upstream_pacts` fixture (conftest.py), with `overwrite=True`.

Authorization: cart-service is called with the customer's own bearer token, payment-service
with order-service's own service token (scope `payments:create`); both requests pin an
`Authorization: Bearer ...` header by regex, and a provider replaces it, when verifying, with a
token of its own test issuer of the kind that consumer sends (payment-service: a service token
holding `payments:create`).
"""

from __future__ import annotations

from typing import Any

from pact import Pact, match
from shopkit.testing import event_envelope

CONSUMER = "order-service"
CART, PRODUCT, PAYMENT, INVENTORY = (
    "cart-service",
    "product-service",
    "payment-service",
    "inventory-service",
)

CUSTOMER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000c001"
# Cart ids are cart-service's secrets.token_urlsafe(24): 32 url-safe characters.
CART_ID = "Xq3vN8s0b1Lk_T2m9Pz-4Rw7Yc6Hd5Ja"
UNKNOWN_CART_ID = "no-such-cart"
ORDER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000a001"
PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b001"
RESERVATION_ID = "0193a5b2-7c1d-7e4f-9a10-00000000d001"
SKU = "SKU-1"
QUANTITY = 2
AVAILABLE = 1000  # what the pact's cart says inventory-service has of SKU-1
UNIT_PRICE_USD = 2159  # EUR 19.99 at the seeded rate 1.08
USD_RATE = "1.08"

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# The reconciliation's example: an order whose payment succeeded and whose stock is held, but
# which never heard of either (tests/integration/test_reconciliation.py).
LOST_ORDER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000a0f1"
LOST_PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b0f1"
LOST_RESERVATION_ID = "0193a5b2-7c1d-7e4f-9a10-00000000d0f1"
LOST_TOTAL = 4318
INSTANT_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)$"
# Windows wide enough that the provider's state (made now) is inside them when verified.
SINCE = match.regex("2000-01-01T00:00:00+00:00", regex=INSTANT_RE)
UNTIL = match.regex("2999-01-01T00:00:00+00:00", regex=INSTANT_RE)
FIRST_PAGE = {"limit": "100", "offset": "0"}
# Any real cart id; the unknown-cart interaction's id is shorter, so it does not match.
CART_PATH_RE = r"^/api/carts/[A-Za-z0-9_-]{32}$"
BEARER = match.regex("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl", regex=r"^Bearer \S+$")
CURRENCY = match.regex("USD", regex=r"^[A-Z]{3}$")


def money(amount: int) -> dict[str, Any]:
    return {"amount": match.integer(amount), "currency": CURRENCY}


def cart_pact() -> Pact:
    pact = Pact(CONSUMER, CART).with_specification("V4")
    (
        pact.upon_receiving("a request for a customer's cart")
        .given(
            "a customer cart with lines exists",
            cart_id=CART_ID,
            customer_id=CUSTOMER_ID,
            skus=SKU,
            currency="USD",
        )
        .with_request("GET", match.regex(f"/api/carts/{CART_ID}", regex=CART_PATH_RE))
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "id": match.str(CART_ID),
                "customer_id": match.str(CUSTOMER_ID),
                "lines": match.each_like(
                    {
                        "sku": match.str(SKU),
                        "quantity": match.integer(QUANTITY),
                        "available": match.integer(AVAILABLE),
                    },
                    min=1,
                ),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for a cart that does not exist")
        .with_request("GET", f"/api/carts/{UNKNOWN_CART_ID}")
        .with_header("Authorization", BEARER)
        .will_respond_with(404)
    )
    return pact


def product_pact() -> Pact:
    pact = Pact(CONSUMER, PRODUCT).with_specification("V4")
    (
        pact.upon_receiving("a request for the current prices of SKUs")
        .given("products with SKUs exist", skus="SKU-1,SKU-2")
        .with_request("GET", "/api/products/skus")
        .with_query_parameter(
            "skus", match.regex("SKU-1,SKU-2", regex=r"^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$")
        )
        .with_query_parameter("currency", CURRENCY)
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(
                    {
                        "sku": match.str(SKU),
                        "name": match.str("Tee, red, M"),
                        "status": match.regex("active", regex=r"^(draft|active|archived)$"),
                        "price": money(UNIT_PRICE_USD),
                    },
                    min=1,
                )
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for the supported currencies")
        .with_request("GET", "/api/currencies")
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(
                    {
                        "code": CURRENCY,
                        "rate": match.regex(USD_RATE, regex=r"^[0-9]+(\.[0-9]+)?$"),
                    },
                    min=1,
                )
            },
            "application/json",
        )
    )
    return pact


def payment_pact() -> Pact:
    pact = Pact(CONSUMER, PAYMENT).with_specification("V4")
    (
        pact.upon_receiving("a request by order-service to create its order's payment")
        .with_request("POST", "/api/payments")
        .with_header("Authorization", BEARER)
        .with_header("Idempotency-Key", match.str("checkout-0001"))
        .with_body(
            {
                "order_id": match.regex(ORDER_ID, regex=UUID_RE),
                "customer_id": match.str(CUSTOMER_ID),
                "amount": money(UNIT_PRICE_USD * QUANTITY),
            },
            "application/json",
        )
        .will_respond_with(201)
        .with_body({"id": match.str(PAYMENT_ID)}, "application/json")
    )
    captured = {
        "payment_id": LOST_PAYMENT_ID,
        "order_id": LOST_ORDER_ID,
        "amount": LOST_TOTAL,
        "currency": "USD",
    }
    for asked, query in (
        (
            "the payments that succeeded in a window of time",
            {"status": "succeeded", "changed_after": SINCE, "changed_before": UNTIL},
        ),
        (
            "the payments of cancelled orders",
            {"order_id": match.regex(LOST_ORDER_ID, regex=UUID_RE)},
        ),
    ):
        (
            pact.upon_receiving(f"a request by order-service's reconciliation for {asked}")
            .given("a captured payment exists", **captured)
            .with_request("GET", "/api/payments")
            .with_header("Authorization", BEARER)
            .with_query_parameters({**query, **FIRST_PAGE})
            .will_respond_with(200)
            .with_body(_payment_page(), "application/json")
        )
    for description, event_type, payload in (
        (
            "a payment.succeeded event",
            "payment.succeeded.v1",
            {
                "payment_id": match.str(PAYMENT_ID),
                "order_id": match.regex(ORDER_ID, regex=UUID_RE),
                "amount": money(UNIT_PRICE_USD * QUANTITY),
            },
        ),
        (
            "a payment.failed event",
            "payment.failed.v1",
            {
                "payment_id": match.str(PAYMENT_ID),
                "order_id": match.regex(ORDER_ID, regex=UUID_RE),
                "reason": match.str("card_declined"),
            },
        ),
        (
            "a payment.refunded event",
            "payment.refunded.v1",
            {
                "payment_id": match.str(PAYMENT_ID),
                "order_id": match.regex(ORDER_ID, regex=UUID_RE),
                "amount": money(1000),
                "refunded_total": money(1000),
            },
        ),
    ):
        pact.upon_receiving(description, "Async").with_body(
            event_envelope(event_type, PAYMENT, payload), "application/json"
        )
    return pact


def _payment_page() -> dict[str, Any]:
    return {
        "items": match.each_like(
            {
                "id": match.regex(LOST_PAYMENT_ID, regex=UUID_RE),
                "order_id": match.str(LOST_ORDER_ID),
                "status": match.regex("succeeded", regex=r"^[a-z_]+$"),
                "amount": money(LOST_TOTAL),
            },
            min=1,
        ),
        "total": match.integer(1),
    }


def _reservation_page(status: str) -> dict[str, Any]:
    return {
        "items": match.each_like(
            {
                "reservation_id": match.regex(LOST_RESERVATION_ID, regex=UUID_RE),
                "order_id": match.str(LOST_ORDER_ID),
                "status": match.regex(status, regex=r"^(active|committed|released)$"),
            },
            min=1,
        ),
        "total": match.integer(1),
    }


def inventory_pact() -> Pact:
    pact = Pact(CONSUMER, INVENTORY).with_specification("V4")
    reservations = "/api/inventory/reservations"
    held = {"reservation_id": LOST_RESERVATION_ID, "order_id": LOST_ORDER_ID}
    (
        pact.upon_receiving(
            "a request by order-service's reconciliation for the reservations still held"
        )
        .given("an active reservation exists", **held)
        .with_request("GET", reservations)
        .with_header("Authorization", BEARER)
        .with_query_parameters({"status": "active", "created_before": UNTIL, **FIRST_PAGE})
        .will_respond_with(200)
        .with_body(_reservation_page("active"), "application/json")
    )
    (
        pact.upon_receiving(
            "a request by order-service's reconciliation for the reservations of confirmed orders"
        )
        .given("a committed reservation exists", **held)
        .with_request("GET", reservations)
        .with_header("Authorization", BEARER)
        .with_query_parameters(
            {"order_id": match.regex(LOST_ORDER_ID, regex=UUID_RE), **FIRST_PAGE}
        )
        .will_respond_with(200)
        .with_body(_reservation_page("committed"), "application/json")
    )
    for verb, status in (("commit", "committed"), ("release", "released")):
        (
            pact.upon_receiving(f"a request by order-service's reconciliation to {verb} stock")
            .given("an active reservation exists", **held)
            .with_request(
                "POST",
                match.regex(
                    f"{reservations}/{LOST_RESERVATION_ID}/{verb}",
                    regex=rf"^{reservations}/[0-9a-f-]{{36}}/{verb}$",
                ),
            )
            .with_header("Authorization", BEARER)
            .will_respond_with(200)
            .with_body({"status": match.str(status)}, "application/json")
        )
    pact.upon_receiving("an inventory.reserved event", "Async").with_body(
        event_envelope(
            "inventory.reserved.v1",
            INVENTORY,
            {
                "reservation_id": match.str(RESERVATION_ID),
                "order_id": match.regex(ORDER_ID, regex=UUID_RE),
            },
        ),
        "application/json",
    )
    pact.upon_receiving("an inventory.reservation_failed event", "Async").with_body(
        event_envelope(
            "inventory.reservation_failed.v1",
            INVENTORY,
            {
                "order_id": match.regex(ORDER_ID, regex=UUID_RE),
                "reason": match.str("out_of_stock"),
            },
        ),
        "application/json",
    )
    return pact


def all_pacts() -> dict[str, Pact]:
    return {
        CART: cart_pact(),
        PRODUCT: product_pact(),
        PAYMENT: payment_pact(),
        INVENTORY: inventory_pact(),
    }
