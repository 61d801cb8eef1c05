"""Password reset by an emailed, single-use, expiring token (the email is notification-service's
job; the token reaches it in the `user.password_reset_requested.v1` event)."""

from __future__ import annotations

import uuid

import pytest
from conftest import GOOD_PASSWORD, SQL, Account, login, unique_email
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


async def _request_reset(
    client: AsyncTestClient[Litestar], collector: EventCollector, email: str
) -> PasswordResetRequested:
    response = await client.post("/api/auth/password-reset", json={"email": email})
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
    response = await client.post("/api/auth/password-reset", json={"email": unique_email()})
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
