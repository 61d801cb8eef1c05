"""Every template renders with the context its controller gives it, and carries the test hooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader

import admin
from admin.controllers.reconciliation import ACTIONS, KINDS
from admin.money import format_money
from admin.pages import NAV
from admin.prices import currency_codes, field_name, variant_rows
from admin.reports import CurrencyDay, FailedPayments, OrdersToday

pytestmark = pytest.mark.unit

TEMPLATES = Path(admin.__file__).parent / "templates"
ADMIN = {"id": "u1", "email": "admin@shopkit.local", "name": "Demo Admin"}
CURRENCIES = {
    "base_currency": "EUR",
    "items": [
        {"code": "EUR", "rate": "1", "base": True, "updated_at": "2026-12-02T00:30:42Z"},
        {"code": "USD", "rate": "1.08", "base": False, "updated_at": "2026-12-02T00:30:42Z"},
        {"code": "JPY", "rate": "162", "base": False, "updated_at": "2026-12-02T00:30:42Z"},
    ],
}
PRODUCT = {
    "id": "p1",
    "slug": "sony",
    "name": "Sony <Headphones>",
    "description": "Quiet.",
    "status": "active",
    "category": {"id": "c1", "slug": "audio", "name": "Audio"},
    "updated_at": "2026-12-02T00:32:43Z",
    "price_range": {
        "min": {"amount": 1999, "currency": "EUR"},
        "max": {"amount": 1999, "currency": "EUR"},
    },
    "variants": [
        {
            "sku": "HP-1",
            "options": {"colour": "Black"},
            "base_price": {"amount": 1999, "currency": "EUR"},
            "prices": {"EUR": 1999, "USD": 2159, "JPY": 3500},
            "explicit_prices": {"JPY": 3500},
        }
    ],
}
ORDER = {
    "id": "9e950e02-6c1a-56cd-96c3-4ba1f3564311",
    "status": "confirmed",
    "customer_id": "cust-1",
    "currency": "GBP",
    "exchange_rate": "0.85",
    "lines": [
        {
            "sku": "HP-1",
            "name": "Sony",
            "quantity": 2,
            "unit_price": {"amount": 1700, "currency": "GBP"},
            "line_total": {"amount": 3400, "currency": "GBP"},
        }
    ],
    "total": {"amount": 3400, "currency": "GBP"},
    "refunded": {"amount": 0, "currency": "GBP"},
    "item_count": 2,
    "shipping_address": {
        "name": "Ada",
        "line1": "1 Main St",
        "line2": None,
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    },
    "payment_id": "pay-1",
    "cancel_reason": None,
    "history": [
        {"from": None, "to": "pending", "reason": "placed", "at": "2026-12-02T00:34:28Z"},
        {"from": "pending", "to": "confirmed", "reason": "paid", "at": "2026-12-02T00:34:30Z"},
    ],
    "created_at": "2026-12-02T00:34:28Z",
    "shipped_at": None,
}
PAYMENT = {
    "status": "succeeded",
    "amount": {"amount": 3400, "currency": "GBP"},
    "refunded": {"amount": 0, "currency": "GBP"},
    "provider": "sandbox",
    "failure_reason": None,
}


@pytest.fixture(scope="module")
def env(assert_csp_clean: Callable[[str], None]) -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    environment.filters["money"] = format_money
    environment.filters["when"] = str
    environment.globals["app_version"] = "test"
    environment.extend(csp_check=assert_csp_clean)
    return environment


def render(env: Environment, name: str, **context: Any) -> str:
    """A page as its controller renders it; every page rendered here must also satisfy the
    gateway's Content-Security-Policy (no inline script, event handler or style)."""
    base = {"csrf": "tok", "admin": ADMIN, "nav": NAV, "section": None, "messages": []}
    html = env.get_template(name).render({**base, **context})
    env.csp_check(html)  # type: ignore[attr-defined]
    return html


def test_every_page_has_the_nav_and_a_log_out_button_with_the_csrf_token(env: Environment) -> None:
    html = render(env, "users.html", users=[], total=0, offset=0, page_size=50, base_query="")
    for label in (
        "Dashboard",
        "Products",
        "Categories",
        "Stock",
        "Orders",
        "Users",
        "Exchange rates",
    ):
        assert f">{label}</a>" in html
    assert '<button type="submit">Log out</button>' in html
    assert 'name="_csrf" value="tok"' in html


def test_messages_are_status_or_alert(env: Environment) -> None:
    html = render(
        env,
        "error.html",
        title="x",
        message="m",
        messages=[{"kind": "status", "text": "Saved"}, {"kind": "alert", "text": "No <b>"}],
    )
    assert '<div class="message status" role="status">Saved</div>' in html
    assert 'role="alert">No &lt;b&gt;</div>' in html


def test_login_form_has_labelled_inputs(env: Environment) -> None:
    html = render(env, "login.html", admin=None, next="/admin", email="", error=None)
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert '<button type="submit">Log in</button>' in html
    assert "Log out" not in html


def test_product_page_has_one_labelled_price_input_per_currency_and_escapes(
    env: Environment,
) -> None:
    codes = currency_codes(CURRENCIES)
    html = render(
        env,
        "products/detail.html",
        product=PRODUCT,
        categories=[{"id": "c1", "slug": "audio", "name": "Audio", "depth": 0}],
        currencies=codes,
        rows=variant_rows(PRODUCT, codes),
        field_name=field_name,
        statuses=("draft", "active", "archived"),
    )
    for code, value in (("EUR", "19.99"), ("JPY", "3500"), ("USD", "21.59")):
        assert f'aria-label="Price {code} (HP-1)"' in html
        assert f'value="{value}"' in html
    assert "Sony &lt;Headphones&gt;" in html
    assert '<button type="submit">Save</button>' in html
    assert '<button type="submit">Archive</button>' in html


def test_product_list_search_and_links(env: Environment) -> None:
    html = render(
        env,
        "products/list.html",
        products=[PRODUCT],
        total=1,
        offset=0,
        page_size=50,
        filters={"q": "son", "status": "", "category": ""},
        base_query="q=son",
        statuses=("draft", "active", "archived"),
        categories=[],
    )
    assert '<label for="q">Search products</label>' in html
    assert 'name="q"' in html
    assert '<a href="/admin/products/p1">Sony &lt;Headphones&gt;</a>' in html
    assert ">New product</a>" in html


def test_order_page_shows_status_lines_history_and_allowed_actions(env: Environment) -> None:
    html = render(
        env,
        "orders/detail.html",
        order=ORDER,
        payment=PAYMENT,
        payment_error=None,
        can_ship=True,
        can_cancel=True,
        refundable={"amount": 3400, "currency": "GBP"},
    )
    assert 'data-testid="order-status">confirmed<' in html
    for button in ("Ship", "Cancel order", "Refund"):
        assert f'<button type="submit">{button}</button>' in html
    assert '<label for="refund_amount">Refund amount</label>' in html
    assert "£34.00" in html
    assert "placed" in html


def test_order_page_hides_what_the_state_does_not_allow(env: Environment) -> None:
    html = render(
        env,
        "orders/detail.html",
        order={**ORDER, "status": "cancelled"},
        payment=None,
        payment_error=None,
        can_ship=False,
        can_cancel=False,
        refundable=None,
    )
    for button in ("Ship", "Cancel order", "Refund"):
        assert f'<button type="submit">{button}</button>' not in html


def test_orders_list_has_a_status_filter(env: Environment) -> None:
    html = render(
        env,
        "orders/list.html",
        orders=[ORDER],
        total=1,
        offset=0,
        page_size=50,
        status="confirmed",
        statuses=("pending", "confirmed"),
        base_query="status=confirmed",
    )
    assert '<label for="status">Status</label>' in html
    assert '<option value="confirmed" selected>' in html
    assert f'href="/admin/orders/{ORDER["id"]}"' in html


def test_stock_page_forms(env: Environment) -> None:
    html = render(
        env,
        "stock.html",
        sku="HP-1",
        valid=True,
        level={"on_hand": 7, "reserved": 2, "available": 5},
        missing=None,
        movements={
            "items": [
                {
                    "at": "t",
                    "reason": "set",
                    "delta_on_hand": 7,
                    "delta_reserved": 0,
                    "warehouse": "main",
                    "reference": None,
                    "note": None,
                }
            ],
            "total": 1,
        },
        offset=0,
        page_size=50,
    )
    for label in ("On hand", "Adjust by", "Reason"):
        assert f">{label}</label>" in html
    for button in ("Set stock", "Adjust"):
        assert f'<button type="submit">{button}</button>' in html
    assert 'data-testid="available">5<' in html
    assert "+7" in html


def test_rates_page_has_one_input_per_pair(env: Environment) -> None:
    items = [c for c in CURRENCIES["items"] if not c["base"]]
    html = render(env, "rates.html", base="EUR", currencies=items)
    assert '<label for="rate-USD">Rate EUR→USD</label>' in html
    assert '<label for="rate-JPY">Rate EUR→JPY</label>' in html
    assert '<button type="submit">Save rates</button>' in html


def test_dashboard_renders_its_three_panels(env: Environment) -> None:
    today = OrdersToday(
        since=datetime(2026, 12, 2, tzinfo=UTC),
        by_currency=[CurrencyDay(currency="EUR", orders=2, paid_orders=1, revenue=1999)],
        count=2,
    )
    html = render(
        env,
        "dashboard.html",
        today=today,
        since="since 2026-12-02 00:00 UTC",
        low_stock=[{"sku": "HP-1", "available": 1, "on_hand": 1, "reserved": 0}],
        threshold=5,
        failed=FailedPayments(
            items=[
                {
                    "order_id": "o-123456789",
                    "updated_at": "t",
                    "amount": {"amount": 100, "currency": "EUR"},
                    "failure_reason": "Your card was declined.",
                    "decline_code": "generic_decline",
                }
            ]
        ),
    )
    assert "€19.99" in html
    assert 'href="/admin/stock?sku=HP-1"' in html
    assert "Your card was declined." in html


def test_the_forms_pages_not_covered_above_are_csp_clean_too(env: Environment) -> None:
    render(env, "products/new.html", categories=[], form={}, errors=[])
    render(
        env,
        "categories.html",
        categories=[{"id": "c1", "slug": "audio", "name": "Audio", "depth": 0}],
    )


def test_the_csp_guard_sees_what_the_policy_blocks(
    csp_blocked: Callable[[str], list[str]],
) -> None:
    """The guard itself: each of these would be blocked by the gateway's policy."""
    bad = [
        "<html><script>alert(1)</script></html>",
        '<html><button onclick="go()">x</button></html>',
        '<html><p style="color:red">x</p></html>',
        "<html><style>p{}</style></html>",
        '<html><a href="javascript:go()">x</a></html>',
    ]
    for html in bad:
        assert csp_blocked(html), html
    assert csp_blocked('<html><script src="/admin/static/admin.js" defer></script></html>') == []


def test_reconciliation_lists_what_needs_an_admin_findings_and_runs(env: Environment) -> None:
    finding = {
        "id": "f1",
        "run_id": "r1",
        "at": "2026-12-07T23:00:00Z",
        "order_id": "0193a5b2-7c1d-7e4f-9a10-00000000a0f1",
        "payment_id": "p1",
        "reservation_id": None,
    }
    repaired = {
        **finding,
        "kind": "money_kept_on_cancelled_order",
        "action": "refund_requested",
        "repaired": True,
        "detail": "payment p1 of 4318 USD is still captured; the order is cancelled",
    }
    unresolved = {
        **finding,
        "id": "f2",
        "kind": "confirmed_order_without_stock",
        "action": "needs_attention",
        "repaired": False,
        "detail": "its units went back on <sale>",
    }
    run = {
        "id": "r1",
        "trigger": "schedule",
        "started_at": "2026-12-07T23:00:00Z",
        "finished_at": None,
        "window_start": "2026-12-07T22:57:00Z",
        "window_end": "2026-12-07T22:59:00Z",
        "payments_checked": 12,
        "reservations_checked": 3,
        "orders_checked": 7,
        "repaired": 1,
        "unresolved": 1,
        "error": "stopped: payment-service is unavailable",
    }
    html = render(
        env,
        "reconciliation.html",
        section="reconciliation",
        runs=[run],
        findings=[unresolved, repaired],
        open_findings=[unresolved],
        kinds=KINDS,
        actions=ACTIONS,
        provider={
            "provider": "stripe",
            "settlements": [
                {
                    "at": "2026-12-07T23:01:00Z",
                    "event_type": "payment_intent.succeeded",
                    "payment_id": "0193a5b2-7c1d-7e4f-9a10-00000000b0f1",
                    "outcome": "succeeded",
                }
            ],
        },
    )
    assert '<button type="submit">Run now</button>' in html
    assert "<code>payment_intent.succeeded</code>" in html
    assert "Money kept on a cancelled order" in html
    assert "Refund asked of payment-service" in html
    assert "<strong>A confirmed order without its stock</strong>" in html
    assert "its units went back on &lt;sale&gt;" in html
    assert 'href="/admin/orders/0193a5b2-7c1d-7e4f-9a10-00000000a0f1"' in html
    assert '<span role="alert">stopped: payment-service is unavailable</span>' in html
    assert "<td>12</td>" in html


def test_reconciliation_says_when_payment_service_could_not_be_read(env: Environment) -> None:
    html = render(
        env,
        "reconciliation.html",
        section="reconciliation",
        runs=[],
        findings=[],
        open_findings=[],
        kinds=KINDS,
        actions=ACTIONS,
        provider={"provider": None, "settlements": [], "error": "not answering"},
    )
    assert '<p role="alert">Could not be read: not answering.</p>' in html
    assert "No run yet." in html
