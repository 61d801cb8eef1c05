"""Customers read their own messages and set their own channels; nobody else's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from conftest import SQL, MailSink, Publish, wait_for_rows
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sample_events import OrderConfirmed, OrderShipped, UserRegistered, new_id, order_fields

pytestmark = pytest.mark.integration

MESSAGES = "/api/notifications"
PREFERENCES = "/api/notifications/preferences"


def bearer(token_factory: Callable[..., str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(subject=user)}"}


async def test_customers_see_only_their_own_messages_newest_first_and_paged(
    client: AsyncTestClient[Litestar],
    mail_sink: MailSink,
    publish: Publish,
    sql: SQL,
    token_factory: Callable[..., str],
) -> None:
    ada, bob = new_id(), new_id()
    welcome = await publish(UserRegistered(user_id=ada, email=f"{ada}@example.com", name="Ada"))
    await wait_for_rows(sql, welcome.id)
    fields = order_fields(ada, f"{ada}@example.com", "Ada")
    confirmed = await publish(OrderConfirmed(**fields))
    await wait_for_rows(sql, confirmed.id)
    other = await publish(UserRegistered(user_id=bob, email=f"{bob}@example.com", name="Bob"))
    await wait_for_rows(sql, other.id)

    page = (await client.get(MESSAGES, headers=bearer(token_factory, ada))).json()
    assert page["total"] == 2
    assert (page["limit"], page["offset"]) == (20, 0)
    assert [m["template"] for m in page["items"]] == ["order.confirmed", "user.registered"]
    newest = page["items"][0]
    assert newest["subject"] == f"Your order {fields['order_id']} is confirmed"
    assert newest["recipient"] == f"{ada}@example.com"
    assert newest["channel"] == "email"
    assert "Hello Ada," in newest["body"]
    assert {m["recipient"] for m in page["items"]} == {f"{ada}@example.com"}

    second = (
        await client.get(
            MESSAGES, params={"limit": 1, "offset": 1}, headers=bearer(token_factory, ada)
        )
    ).json()
    assert [m["template"] for m in second["items"]] == ["user.registered"]

    bobs = (await client.get(MESSAGES, headers=bearer(token_factory, bob))).json()
    assert [m["recipient"] for m in bobs["items"]] == [f"{bob}@example.com"]


async def test_reading_messages_needs_a_token(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get(MESSAGES)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(PREFERENCES)).status_code == 401


async def test_preferences_default_to_email_only_and_are_kept_per_customer(
    client: AsyncTestClient[Litestar], token_factory: Callable[..., str]
) -> None:
    ada, bob = new_id(), new_id()
    assert (await client.get(PREFERENCES, headers=bearer(token_factory, ada))).json() == {
        "email": True,
        "sms": False,
        "phone": None,
    }
    saved = await client.put(
        PREFERENCES,
        json={"email": False, "sms": True, "phone": "+14155550123"},
        headers=bearer(token_factory, ada),
    )
    assert saved.json() == {"email": False, "sms": True, "phone": "+14155550123"}
    assert (
        await client.get(PREFERENCES, headers=bearer(token_factory, ada))
    ).json() == saved.json()
    assert (await client.get(PREFERENCES, headers=bearer(token_factory, bob))).json()[
        "sms"
    ] is False

    # phone left out keeps the number; sms off with it
    kept = await client.put(
        PREFERENCES, json={"email": True, "sms": False}, headers=bearer(token_factory, ada)
    )
    assert kept.json() == {"email": True, "sms": False, "phone": "+14155550123"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": True, "sms": True, "phone": "0151 2345"}, "phone"),
        ({"email": True, "sms": True}, "phone"),
        ({"email": True, "sms": True, "phone": None}, "phone"),
        ({"email": "yes", "sms": False}, "email"),
        ({"email": True, "sms": False, "fax": "+4930123456"}, "fax"),
    ],
)
async def test_bad_preferences_are_422_naming_the_field_and_change_nothing(
    client: AsyncTestClient[Litestar],
    token_factory: Callable[..., str],
    body: dict[str, object],
    field: str,
) -> None:
    user = new_id()
    headers = bearer(token_factory, user)
    response = await client.put(PREFERENCES, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {p["name"] for p in response.json()["invalid_params"]}
    assert (await client.get(PREFERENCES, headers=headers)).json() == {
        "email": True,
        "sms": False,
        "phone": None,
    }


async def test_turning_email_off_stops_shipping_emails(
    client: AsyncTestClient[Litestar],
    mail_sink: MailSink,
    publish: Publish,
    sql: SQL,
    token_factory: Callable[..., str],
) -> None:
    user = new_id()
    await client.put(
        PREFERENCES, json={"email": False, "sms": False}, headers=bearer(token_factory, user)
    )
    fields = order_fields(user, f"{user}@example.com", "Ada")
    shipped = await publish(OrderShipped(**fields))
    for _ in range(200):
        if await sql("SELECT 1 FROM shopkit_inbox WHERE event_id = :id", id=shipped.id):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the order.shipped event was never handled")
    assert await sql("SELECT id FROM delivery WHERE event_id = :id", id=shipped.id) == []
    await asyncio.sleep(0.3)
    assert mail_sink.to(f"{user}@example.com") == []
