"""The admin's pact with payment-service (`contracts/pacts/admin-payment-service.json`): the
dashboard's recent failed payments (the admin list added for it), an order's payment on the
order page (what decides whether Refund is offered), refunds, full, partial and refused, and
the Reconciliation page's payments settled from the provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from admin_pacts import BEARER, PROBLEM_JSON, admin_pact, money, problem, timestamp, uuid, write
from pact import Pact, match

from admin.controllers.orders import refundable
from admin.controllers.reconciliation import PROVIDER_API, SETTLEMENTS
from admin.gateway import Api, ApiError
from admin.reports import failed_payments

pytestmark = pytest.mark.contract

PROVIDER = "payment-service"
PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b101"
ORDER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000a101"
PAYMENT_PATH_RE = r"^/api/payments/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CAPTURED = {"payment_id": PAYMENT_ID, "amount": 3998, "currency": "EUR"}


def payment_path(suffix: str = "") -> object:
    return match.regex(f"/api/payments/{PAYMENT_ID}{suffix}", regex=f"{PAYMENT_PATH_RE}{suffix}$")


def refund_request(pact: Pact, description: str, body: dict[str, int]) -> Pact:
    return (
        pact.upon_receiving(description)
        .given("a captured payment exists", **CAPTURED)
        .with_request("POST", payment_path("/refunds"))
        .with_header("Authorization", BEARER)
        .with_body(body, "application/json")
    )


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = admin_pact(PROVIDER)
    (
        pact.upon_receiving("a request for the most recent failed payments")
        .given("a failed payment exists")
        .with_request("GET", "/api/payments")
        .with_query_parameter("status", "failed")
        .with_query_parameter("limit", "10")
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(
                    {
                        "id": uuid(PAYMENT_ID),
                        "order_id": match.str(ORDER_ID),
                        "status": "failed",
                        "amount": money(3998),
                        "failure_reason": match.str("Your card was declined."),
                        "updated_at": timestamp(),
                    },
                    min=1,
                )
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for an order's captured payment")
        .given("a captured payment exists", **CAPTURED)
        .with_request("GET", payment_path())
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "id": uuid(PAYMENT_ID),
                "status": "succeeded",
                "amount": money(3998),
                "refunded": money(0),
                "provider": match.str("sandbox"),
            },
            "application/json",
        )
    )
    (
        refund_request(pact, "a request to refund all that is left of a payment", {})
        .will_respond_with(201)
        .with_body({"payment_id": uuid(PAYMENT_ID), "amount": money(3998)}, "application/json")
    )
    (
        refund_request(pact, "a request to refund part of a payment", {"amount": 500})
        .will_respond_with(201)
        .with_body({"payment_id": uuid(PAYMENT_ID), "amount": money(500)}, "application/json")
    )
    (
        refund_request(pact, "a request to refund more than was captured", {"amount": 999999})
        .will_respond_with(409)
        .with_body(problem(409), PROBLEM_JSON)
    )
    (
        pact.upon_receiving("a request for the payments settled from what the provider said")
        .with_request("GET", PROVIDER_API)
        .with_query_parameter("limit", str(SETTLEMENTS))
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                # The provider verifies with the sandbox, which settles nothing afterwards.
                "provider": match.regex("sandbox", regex=r"^(sandbox|stripe)$"),
                "settlements": match.each_like(
                    {
                        "event_type": match.str("payment_intent.succeeded"),
                        "payment_id": uuid(PAYMENT_ID),
                        "outcome": match.str("succeeded"),
                        "at": timestamp(),
                    },
                    min=0,
                ),
            },
            "application/json",
        )
    )
    yield pact
    write(pact)


async def test_the_dashboard_lists_recent_failed_payments(api: Api) -> None:
    failed = await failed_payments(api)
    assert failed.unavailable is None
    (payment,) = failed.items
    assert payment["order_id"] == ORDER_ID
    assert payment["amount"] == {"amount": 3998, "currency": "EUR"}
    assert payment["failure_reason"]
    assert payment["updated_at"]


async def test_the_order_page_offers_to_refund_what_is_left(api: Api) -> None:
    payment = await api.get(f"/api/payments/{PAYMENT_ID}")
    order = {"payment_id": PAYMENT_ID, "currency": "EUR"}
    assert refundable(order, payment) == 3998


async def test_a_full_refund_sends_no_amount(api: Api) -> None:
    refund = await api.post(f"/api/payments/{PAYMENT_ID}/refunds", {})
    assert refund["amount"] == {"amount": 3998, "currency": "EUR"}


async def test_a_partial_refund_sends_the_amount_in_minor_units(api: Api) -> None:
    refund = await api.post(f"/api/payments/{PAYMENT_ID}/refunds", {"amount": 500})
    assert refund["amount"] == {"amount": 500, "currency": "EUR"}


async def test_a_refused_refund_reads_as_the_problem_s_detail(api: Api) -> None:
    with pytest.raises(ApiError) as refused:
        await api.post(f"/api/payments/{PAYMENT_ID}/refunds", {"amount": 999999})
    assert refused.value.status == 409
    assert refused.value.message == "Why not."


async def test_the_reconciliation_page_reads_the_payments_settled_from_the_provider(
    api: Api,
) -> None:
    report = await api.get(PROVIDER_API, limit=SETTLEMENTS)
    assert report["provider"] in ("sandbox", "stripe")
    for settlement in report["settlements"]:
        assert settlement["outcome"]
