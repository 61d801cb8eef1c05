"""Password reset by an emailed, single-use, expiring token (the email is notification-service's
job; the token reaches it in the `user.password_reset_requested.v1` event)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import GOOD_PASSWORD, SQL, Account, AccountFactory, login, unique_email, unique_ip
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, EventCollector

from user_service.events.events import PasswordResetRequested

pytestmark = pytest.mark.integration

NEW_PASSWORD = "brand-new-secret-7"


async def _reset_event_for(collector: EventCollector, email: str) -> PasswordResetRequested:
    for _ in range(20):
        event = payload_as((await collector.next(timeout=5)).envelope, PasswordResetRequested)
        if event.email == email:
            return event
    pytest.fail(f"no password reset event for {email}")


async def _ask(client: AsyncTestClient[Litestar], email: str, ip: str | None = None) -> Any:
    """POST /api/auth/password-reset from `ip` (its own address unless given)."""
    return await client.post(
        "/api/auth/password-reset",
        json={"email": email},
        headers={"X-Forwarded-For": ip or unique_ip()},
    )


async def _request_reset(
    client: AsyncTestClient[Litestar], collector: EventCollector, email: str
) -> PasswordResetRequested:
    response = await _ask(client, email)
    assert response.status_code == 202
    return await _reset_event_for(collector, email.strip().lower())


async def test_a_reset_sets_the_password_once_and_ends_every_session(
    client: AsyncTestClient[Litestar],
    customer: Account,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PasswordResetRequested.event_type)
    event = await _request_reset(client, collector, f"  {customer.email.upper()}")
    assert event.user_id == customer.id
    assert event.name == "Test Person"
    assert event.expires_at is not None

    confirm = {"token": event.reset_token, "new_password": NEW_PASSWORD}
    done = await client.post("/api/auth/password-reset/confirm", json=confirm)
    assert done.status_code == 204, done.text

    assert (await login(client, customer.email, GOOD_PASSWORD)).status_code == 401
    assert (await login(client, customer.email, NEW_PASSWORD)).status_code == 200
    stale = {"refresh_token": customer.refresh_token}
    assert (await client.post("/api/auth/refresh", json=stale)).status_code == 401

    reused = await client.post(
        "/api/auth/password-reset/confirm", json={**confirm, "new_password": "another-one-99"}
    )
    assert reused.status_code == 422
    assert reused.json()["invalid_params"][0]["name"] == "token"
    assert reused.json()["code"] == "invalid-reset-token"


async def test_an_unknown_email_gets_the_same_202_and_no_event(
    client: AsyncTestClient[Litestar], event_collector: CollectorFactory, sql: SQL
) -> None:
    collector = await event_collector(PasswordResetRequested.event_type)
    before = (await sql("SELECT count(*) FROM password_reset_token"))[0][0]
    response = await _ask(client, unique_email())
    assert response.status_code == 202
    assert response.json() == {
        "detail": "If an account exists for this email, a reset link is on its way."
    }
    await collector.assert_nothing(within=1.0)
    assert (await sql("SELECT count(*) FROM password_reset_token"))[0][0] == before


async def test_a_weak_new_password_is_refused_and_keeps_the_token_usable(
    client: AsyncTestClient[Litestar],
    customer: Account,
    event_collector: CollectorFactory,
    sql: SQL,
) -> None:
    collector = await event_collector(PasswordResetRequested.event_type)
    event = await _request_reset(client, collector, customer.email)
    hash_before = await sql(
        "SELECT password_hash FROM user_account WHERE email = :e", e=customer.email
    )
    weak = await client.post(
        "/api/auth/password-reset/confirm",
        json={"token": event.reset_token, "new_password": "short"},
    )
    assert weak.status_code == 422
    assert weak.json()["code"] == "password-too-short"
    assert (
        await sql("SELECT password_hash FROM user_account WHERE email = :e", e=customer.email)
        == hash_before
    )
    assert (
        await client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    ).status_code == 200
    good = {"token": event.reset_token, "new_password": NEW_PASSWORD}
    assert (await client.post("/api/auth/password-reset/confirm", json=good)).status_code == 204


async def test_an_expired_or_made_up_token_is_refused_naming_token(
    client: AsyncTestClient[Litestar],
    customer: Account,
    event_collector: CollectorFactory,
    sql: SQL,
) -> None:
    collector = await event_collector(PasswordResetRequested.event_type)
    event = await _request_reset(client, collector, customer.email)
    await sql(
        "UPDATE password_reset_token SET expires_at = now() - interval '1 second'"
        " WHERE user_id = :id",
        id=uuid.UUID(customer.id),
    )
    for token in (event.reset_token, "made-up-token"):
        response = await client.post(
            "/api/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 422
        assert response.json()["invalid_params"][0]["name"] == "token"
    assert (await login(client, customer.email, GOOD_PASSWORD)).status_code == 200


async def _reset_tokens_of(sql: SQL, user_id: str) -> int:
    rows = await sql(
        "SELECT count(*) FROM password_reset_token WHERE user_id = :id", id=uuid.UUID(user_id)
    )
    return int(rows[0][0])


async def test_an_account_gets_at_most_three_reset_mails_and_the_answer_does_not_tell(
    client: AsyncTestClient[Litestar],
    make_account: AccountFactory,
    event_collector: CollectorFactory,
    sql: SQL,
) -> None:
    account = await make_account()
    collector = await event_collector(PasswordResetRequested.event_type)
    for _ in range(3):
        await _request_reset(client, collector, account.email)
    for _ in range(3):
        # Each from a new address: the account's share is used up wherever the asker is.
        more = await _ask(client, account.email)
        assert more.status_code == 202
        assert more.json() == {
            "detail": "If an account exists for this email, a reset link is on its way."
        }
    await collector.assert_nothing(within=1.0)
    assert await _reset_tokens_of(sql, account.id) == 3


async def test_one_address_flooding_reset_requests_gets_429(
    client: AsyncTestClient[Litestar], make_account: AccountFactory, sql: SQL
) -> None:
    ip = unique_ip()
    for _ in range(10):
        assert (await _ask(client, unique_email(), ip=ip)).status_code == 202
    account = await make_account()
    flooded = await _ask(client, account.email, ip=ip)
    assert flooded.status_code == 429
    assert flooded.headers["content-type"] == "application/problem+json"
    assert flooded.json()["code"] == "too-many-password-reset-requests"
    assert 0 < int(flooded.headers["retry-after"]) <= 900
    assert await _reset_tokens_of(sql, account.id) == 0
    # The account's own share was not spent by the refused request.
    assert (await _ask(client, account.email)).status_code == 202
    assert await _reset_tokens_of(sql, account.id) == 1
