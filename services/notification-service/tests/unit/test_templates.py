"""Every message renders from its template with the user's name and money in the order's own
currency; HTML never lets data become markup."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sample_events import order_fields
from shopkit.money import Money

from notification_service.domain.notifications import Templates
from notification_service.events.payloads import (
    LowStock,
    OrderCancelled,
    OrderSummary,
    PaymentRefunded,
)

pytestmark = pytest.mark.unit

TEMPLATES = Templates()
STOREFRONT = "http://shop.test"


def order(currency: str, unit: int, name: str = "Ada Lovelace", **extra: Any) -> OrderSummary:
    fields = {
        **order_fields("user-1", "ada@example.com", name, currency=currency, unit=unit),
        **extra,
    }
    return msgspec.convert(fields, OrderCancelled if "reason" in extra else OrderSummary)


@pytest.mark.parametrize(
    ("currency", "unit", "line_total"),
    [("EUR", 1999, "€39.98"), ("JPY", 1200, "¥2,400")],
)
def test_an_order_confirmation_shows_money_in_the_order_currency(
    currency: str, unit: int, line_total: str
) -> None:
    confirmed = order(currency, unit)
    context = {"name": "Ada Lovelace", "order": confirmed, "storefront_url": STOREFRONT}
    email = TEMPLATES.render("order.confirmed", "email", context)
    assert email.subject == f"Your order {confirmed.order_id} is confirmed"
    assert email.text.startswith("Hello Ada Lovelace,")
    assert f"Total: {line_total}" in email.text
    assert email.html is not None
    assert line_total in email.html
    sms = TEMPLATES.render("order.confirmed", "sms", context)
    assert (
        sms.text
        == f"Shopkit: Ada Lovelace, your order {confirmed.order_id} ({line_total}) is confirmed."
    )


def test_html_escapes_what_customers_typed_and_text_keeps_it_as_is() -> None:
    name = "<script>alert(1)</script> & Co"
    context = {"name": name, "order": order("EUR", 500, name=name), "storefront_url": STOREFRONT}
    email = TEMPLATES.render("order.confirmed", "email", context)
    assert email.html is not None
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in email.html
    assert email.text.startswith(f"Hello {name},")


def test_a_cancellation_says_why_in_words() -> None:
    cancelled = order("USD", 1000, reason="payment_failed")
    context = {
        "name": "Ada",
        "order": cancelled,
        "reason_text": "the payment did not go through",
        "storefront_url": STOREFRONT,
    }
    email = TEMPLATES.render("order.cancelled", "email", context)
    assert "Reason: the payment did not go through" in email.text
    assert "$20.00" in email.text


@pytest.mark.parametrize(("currency", "shown"), [("EUR", "€5.00"), ("JPY", "¥500")])
def test_a_refund_names_the_amount_in_its_currency(currency: str, shown: str) -> None:
    amount = {"EUR": 500, "JPY": 500}[currency]
    refund = PaymentRefunded(
        order_id="order-1",
        customer_id="user-1",
        amount=Money(amount, currency),
        refunded_total=Money(amount, currency),
    )
    email = TEMPLATES.render(
        "payment.refunded",
        "email",
        {"name": "Grace", "refund": refund, "storefront_url": STOREFRONT},
    )
    assert email.subject == f"We refunded {shown} for order order-1"
    assert email.text.startswith("Hello Grace,")
    assert "so far" not in email.text


def test_the_password_reset_link_is_in_both_parts() -> None:
    url = f"{STOREFRONT}/reset-password?token=abc&x=1"
    email = TEMPLATES.render(
        "user.password_reset_requested",
        "email",
        {
            "name": "Ada",
            "reset_url": url,
            "expires_at": "25 Nov 2026, 13:00 UTC",
            "storefront_url": STOREFRONT,
        },
    )
    assert url in email.text
    assert email.html is not None
    assert 'href="http://shop.test/reset-password?token=abc&amp;x=1"' in email.html


def test_low_stock_alerts_are_email_only() -> None:
    assert TEMPLATES.channels("inventory.low_stock") == ("email",)
    email = TEMPLATES.render(
        "inventory.low_stock",
        "email",
        {
            "stock": LowStock(sku="TEE-RED-M", available=2, threshold=5),
            "storefront_url": STOREFRONT,
        },
    )
    assert email.subject == "Low stock: TEE-RED-M has 2 left"


def test_every_consumed_event_has_an_email_template() -> None:
    for template in (
        "user.registered",
        "user.password_reset_requested",
        "order.confirmed",
        "order.cancelled",
        "order.shipped",
        "payment.refunded",
        "inventory.low_stock",
    ):
        assert "email" in TEMPLATES.channels(template), template
