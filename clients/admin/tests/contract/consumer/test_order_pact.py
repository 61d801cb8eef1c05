"""The admin's pact with order-service (`contracts/pacts/admin-order-service.json`): the Orders
page (by status, newest first), the dashboard's summary of today's orders and revenue, one
order with its lines, payment id and status history, the admin's Ship and Cancel, and the
Reconciliation page's latest runs and findings.

Fields that may be null (`cancel_reason`, `shipped_at`, an address's `line2`, the first history
entry's `from`) are read with a fallback and not pinned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from admin_pacts import BEARER, UUID_RE, admin_pact, currency, money, timestamp, uuid, write
from pact import Pact, match

from admin.controllers.orders import PAGE_SIZE, _order_api
from admin.controllers.reconciliation import API as RECONCILIATION_API
from admin.controllers.reconciliation import FINDINGS, RUNS
from admin.gateway import Api
from admin.reports import orders_today

pytestmark = pytest.mark.contract

PROVIDER = "order-service"
ORDER_ID = "0193a5b2-7c1d-7e4f-9a10-00000000a201"
PAYMENT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000b201"
PLACED_AT = "2026-12-02T09:30:00.123456Z"
CONFIRMED = {"order_id": ORDER_ID, "payment_id": PAYMENT_ID}
RUN_ID = "0193a5b2-7c1d-7e4f-9a10-00000000e201"
FINDING_ID = "0193a5b2-7c1d-7e4f-9a10-00000000e202"
STATUSES_RE = r"^(pending|awaiting_payment|confirmed|shipped|delivered|cancelled|refunded)$"


def order_path(suffix: str = "") -> object:
    return match.regex(
        _order_api(ORDER_ID) + suffix, regex=f"^/api/orders/{UUID_RE[1:-1]}{suffix}$"
    )


def listed(status: object) -> dict[str, object]:
    """What a row of the Orders page and the dashboard's sums read of each order."""
    return {
        "id": uuid(ORDER_ID),
        "status": status,
        "customer_id": match.str("0193a5b2-7c1d-7e4f-9a10-00000000c001"),
        "currency": currency(),
        "total": money(3998),
        "refunded": money(0),
        "item_count": match.integer(2),
        "shipping_address": {"name": match.str("Ada Lovelace")},
        "created_at": timestamp(PLACED_AT),
    }


def detail() -> dict[str, object]:
    return {
        **listed("confirmed"),
        # What the admin may ask of it now: the page's Ship and Cancel buttons.
        "actions": match.each_like(match.regex("ship", regex=r"^(cancel|ship)$"), min=1),
        "exchange_rate": match.regex("1", regex=r"^[0-9]+(\.[0-9]+)?$"),
        "payment_id": uuid(PAYMENT_ID),
        "lines": match.each_like(
            {
                "sku": match.str("SKU-1"),
                "name": match.str("Tee, red, M"),
                "quantity": match.integer(2),
                "unit_price": money(1999),
                "line_total": money(3998),
            },
            min=1,
        ),
        "shipping_address": {
            "name": match.str("Ada Lovelace"),
            "line1": match.str("12 Analytical Row"),
            "city": match.str("London"),
            "postal_code": match.str("N1 9GU"),
            "country": match.regex("GB", regex=r"^[A-Z]{2}$"),
        },
        "history": match.each_like(
            {
                "to": match.regex("confirmed", regex=STATUSES_RE),
                "reason": match.str("paid"),
                "at": timestamp(),
            },
            min=1,
        ),
    }


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = admin_pact(PROVIDER)
    (
        pact.upon_receiving("a request for the first page of confirmed orders")
        .given("a confirmed order exists", **CONFIRMED)
        .with_request("GET", "/api/orders")
        .with_query_parameter("limit", str(PAGE_SIZE))
        .with_query_parameter("offset", "0")
        .with_query_parameter("status", "confirmed")
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like(listed("confirmed"), min=1), "total": match.integer(1)},
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for today's order summary")
        .given("a confirmed order exists", **CONFIRMED)
        .with_request("GET", "/api/orders/summary")
        .with_query_parameter(
            "since", match.regex("2026-12-02T00:00:00+00:00", regex=r"^\d{4}-\d{2}-\d{2}T.+$")
        )
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "by_currency": match.each_like(
                    {
                        "currency": currency(),
                        "orders": match.integer(1),
                        "paid_orders": match.integer(1),
                        "revenue": money(3998),
                    },
                    min=1,
                )
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for one order")
        .given("a confirmed order exists", **CONFIRMED)
        .with_request("GET", order_path())
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(detail(), "application/json")
    )
    (
        pact.upon_receiving("a request to ship a confirmed order")
        .given("a confirmed order exists", **CONFIRMED)
        .with_request("POST", order_path("/ship"))
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body({"id": uuid(ORDER_ID), "status": "shipped"}, "application/json")
    )
    (
        pact.upon_receiving("a request to cancel a confirmed order")
        .given("a confirmed order exists", **CONFIRMED)
        .with_request("POST", order_path("/cancel"))
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body({"id": uuid(ORDER_ID), "status": "cancelled"}, "application/json")
    )
    (
        pact.upon_receiving("a request for the reconciliation's latest runs and findings")
        .given("a reconciliation run found a discrepancy")
        .with_request("GET", RECONCILIATION_API)
        .with_query_parameters({"runs": str(RUNS), "findings": str(FINDINGS)})
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "runs": match.each_like(
                    {
                        "id": uuid(RUN_ID),
                        "trigger": match.regex("schedule", regex=r"^(schedule|admin)$"),
                        "started_at": timestamp(),
                        "window_start": timestamp(),
                        "window_end": timestamp(),
                        "payments_checked": match.integer(1),
                        "reservations_checked": match.integer(0),
                        "orders_checked": match.integer(1),
                        "repaired": match.integer(1),
                        "unresolved": match.integer(0),
                    },
                    min=1,
                ),
                "findings": match.each_like(
                    {
                        "id": uuid(FINDING_ID),
                        "at": timestamp(),
                        "kind": match.str("money_kept_on_cancelled_order"),
                        "action": match.str("refund_requested"),
                        "repaired": match.boolean(True),
                        "detail": match.str("the payment is still captured"),
                    },
                    min=1,
                ),
            },
            "application/json",
        )
    )
    yield pact
    write(pact)


async def test_the_orders_page_lists_orders_of_a_status(api: Api) -> None:
    listing = await api.get("/api/orders", limit=PAGE_SIZE, offset=0, status="confirmed")
    (order,) = listing["items"]
    assert int(listing["total"]) >= 1
    assert order["status"] == "confirmed"
    assert order["total"] == {"amount": 3998, "currency": "EUR"}
    assert order["shipping_address"]["name"]


async def test_the_dashboard_sums_todays_orders_per_currency(api: Api) -> None:
    today = await orders_today(api, now=datetime(2026, 12, 2, 18, 0, tzinfo=UTC))
    assert today.count == 1
    assert [(d.currency, d.orders, d.paid_orders, d.revenue) for d in today.by_currency] == [
        ("EUR", 1, 1, 3998)
    ]


async def test_the_order_page_reads_lines_payment_and_history(api: Api) -> None:
    order = await api.get(_order_api(ORDER_ID))
    assert order["payment_id"] == PAYMENT_ID  # the payment shown, and refunded, beside it
    (line,) = order["lines"]
    assert line["line_total"] == {"amount": 3998, "currency": "EUR"}
    assert order["history"][0]["to"] == "confirmed"
    assert order["shipping_address"]["country"] == "GB"
    assert "ship" in order["actions"]


async def test_shipping_marks_the_order_shipped(api: Api) -> None:
    shipped = await api.post(f"{_order_api(ORDER_ID)}/ship")
    assert shipped["status"] == "shipped"


async def test_cancelling_marks_the_order_cancelled(api: Api) -> None:
    cancelled = await api.post(f"{_order_api(ORDER_ID)}/cancel")
    assert cancelled["status"] == "cancelled"


async def test_the_reconciliation_page_reads_runs_and_findings(api: Api) -> None:
    report = await api.get(RECONCILIATION_API, runs=RUNS, findings=FINDINGS)
    (run,) = report["runs"]
    assert (run["repaired"], run["unresolved"]) == (1, 0)
    (finding,) = report["findings"]
    assert finding["kind"] == "money_kept_on_cancelled_order"
    assert finding["repaired"] is True
