"""Events from the real broker become real emails on a real SMTP server, logged once each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import msgspec
import pytest
from conftest import ADMINS, SQL, MailSink, Publish, html_of, text_of, wait_for_rows
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sample_events import (
    LowStock,
    OrderCancelled,
    OrderConfirmed,
    OrderShipped,
    PasswordResetRequested,
    PaymentRefunded,
    UserRegistered,
    money,
    new_id,
    order_fields,
)
from shopkit.testing import client_for, free_port

from notification_service.app import create_app
from notification_service.config import Settings, SmtpSettings

pytestmark = pytest.mark.integration


def email_of(user_id: str) -> str:
    return f"{user_id}@example.com"


async def test_a_new_user_gets_a_welcome_email_and_a_sent_row(
    client: AsyncTestClient[Litestar], mail_sink: MailSink, publish: Publish, sql: SQL
) -> None:
    user = new_id()
    event = await publish(UserRegistered(user_id=user, email=email_of(user), name="Ada Lovelace"))

    [message] = await mail_sink.wait_for(email_of(user))
    assert message["Subject"] == "Welcome to Shopkit, Ada Lovelace"
    assert message["From"] == "Shopkit <no-reply@shopkit.local>"
    assert "Hello Ada Lovelace," in text_of(message)
    assert "Hello Ada Lovelace," in html_of(message)
    [row] = await wait_for_rows(sql, event.id, status="sent")
    assert (row["user_id"], row["channel"], row["recipient"]) == (user, "email", email_of(user))
    assert (row["template"], row["subject"], row["attempts"]) == (
        "user.registered",
        "Welcome to Shopkit, Ada Lovelace",
        1,
    )
    assert row["provider"] == "smtp"
    assert row["sent_at"] is not None
    assert row["last_error"] is None


async def test_an_event_delivered_twice_sends_one_email(
    client: AsyncTestClient[Litestar], mail_sink: MailSink, publish: Publish, sql: SQL
) -> None:
    user = new_id()
    fields = order_fields(user, email_of(user), "Grace Hopper", currency="JPY", unit=1200)
    event = await publish(OrderConfirmed(**fields))
    await publish(event)  # the broker redelivers the same envelope

    [message] = await mail_sink.wait_for(email_of(user))
    assert message["Subject"] == f"Your order {fields['order_id']} is confirmed"
    assert "Total: ¥2,400" in text_of(message)
    assert "Hello Grace Hopper," in text_of(message)
    await asyncio.sleep(0.5)  # time for a second email, were there one
    assert len(mail_sink.to(email_of(user))) == 1
    assert len(await wait_for_rows(sql, event.id, status="sent")) == 1


async def test_a_password_reset_mails_the_link_to_the_storefront(
    client: AsyncTestClient[Litestar], mail_sink: MailSink, publish: Publish
) -> None:
    user = new_id()
    await publish(
        PasswordResetRequested(
            user_id=user,
            email=email_of(user),
            name="Ada",
            reset_token="tok-123",
            expires_at="2026-11-25T13:00:00Z",
        )
    )
    [message] = await mail_sink.wait_for(email_of(user))
    assert message["Subject"] == "Reset your Shopkit password"
    assert "http://localhost:8080/reset-password?token=tok-123" in text_of(message)
    assert "The link works until 25 Nov 2026, 13:00 UTC." in text_of(message)


async def test_cancellation_and_refund_reach_the_customer_known_from_earlier_events(
    client: AsyncTestClient[Litestar], mail_sink: MailSink, publish: Publish, sql: SQL
) -> None:
    user = new_id()
    await publish(UserRegistered(user_id=user, email=email_of(user), name="Ada"))
    await mail_sink.wait_for(email_of(user))
    fields = order_fields(user, email_of(user), "Ada", currency="EUR", unit=1999)
    await publish(OrderCancelled(**fields, reason="payment_failed"))
    refund = await publish(
        PaymentRefunded(
            payment_id="pay-1",
            order_id=fields["order_id"],
            refund_id="re-1",
            amount=money(1000, "EUR"),
            refunded_total=money(1000, "EUR"),
            customer_id=user,  # no address: it is looked up
        )
    )

    messages = await mail_sink.wait_for(email_of(user), count=3)
    subjects = {m["Subject"] for m in messages}
    assert f"Your order {fields['order_id']} was cancelled" in subjects
    assert f"We refunded €10.00 for order {fields['order_id']}" in subjects
    cancelled = next(m for m in messages if "cancelled" in m["Subject"])
    assert "Reason: the payment did not go through" in text_of(cancelled)
    [row] = await wait_for_rows(sql, refund.id, status="sent")
    assert row["recipient"] == email_of(user)


async def test_low_stock_alerts_every_admin(
    client: AsyncTestClient[Litestar], mail_sink: MailSink, publish: Publish, sql: SQL
) -> None:
    sku = new_id("SKU").upper()
    event = await publish(LowStock(sku=sku, available=2, threshold=5))
    rows = await wait_for_rows(sql, event.id, count=len(ADMINS), status="sent")
    assert sorted(r["recipient"] for r in rows) == sorted(ADMINS)
    assert all(r["user_id"] is None for r in rows)
    for admin in ADMINS:
        alerts = [m for m in mail_sink.to(admin) if sku in m["Subject"]]
        assert [m["Subject"] for m in alerts] == [f"Low stock: {sku} has 2 left"]


async def test_preferences_silence_optional_email_but_never_transactional_and_add_sms(
    client: AsyncTestClient[Litestar],
    mail_sink: MailSink,
    publish: Publish,
    sql: SQL,
    token_factory: Callable[..., str],
) -> None:
    user = new_id()
    headers = {"Authorization": f"Bearer {token_factory(subject=user)}"}
    saved = await client.put(
        "/api/notifications/preferences",
        json={"email": False, "sms": True, "phone": "+4915123456789"},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    fields = order_fields(user, email_of(user), "Ada")
    shipped = await publish(OrderShipped(**fields))
    confirmed = await publish(OrderConfirmed(**{**fields, "order_id": new_id("order")}))

    shipped_rows = await wait_for_rows(sql, shipped.id, status="sent")
    assert [(r["channel"], r["recipient"], r["provider"]) for r in shipped_rows] == [
        ("sms", "+4915123456789", "log")
    ]
    assert (
        shipped_rows[0]["body_text"]
        == f"Shopkit: Ada, your order {fields['order_id']} is on its way."
    )
    confirmed_rows = await wait_for_rows(sql, confirmed.id, count=2, status="sent")
    assert [r["channel"] for r in confirmed_rows] == ["email", "sms"]
    [message] = await mail_sink.wait_for(email_of(user))
    assert "confirmed" in message["Subject"]


async def test_a_message_that_failed_while_smtp_was_down_is_sent_when_it_is_back(
    settings: Settings, publish: Publish, sql: SQL
) -> None:
    port = free_port()
    app = create_app(
        msgspec.structs.replace(settings, smtp=SmtpSettings(port=port, timeout_seconds=1))
    )
    user = new_id()
    async with client_for(app):
        event = await publish(UserRegistered(user_id=user, email=email_of(user), name="Ada"))
        [failed] = await wait_for_rows(sql, event.id, status="failed")
        assert failed["attempts"] >= 1
        assert "SMTP 127.0.0.1" in failed["last_error"]

        sink = MailSink(port)
        sink.controller.start()
        try:
            [row] = await wait_for_rows(sql, event.id, status="sent")
            [message] = await sink.wait_for(email_of(user))
        finally:
            sink.controller.stop()
    assert message["Subject"] == "Welcome to Shopkit, Ada"
    assert row["attempts"] >= 2
    assert row["last_error"] is None
