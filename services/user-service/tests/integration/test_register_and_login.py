"""Registering and logging in through HTTP against the real database, Redis and broker."""

from __future__ import annotations

import statistics
import time
import uuid

import jwt
import pytest
from conftest import (
    GOOD_PASSWORD,
    SQL,
    AccountFactory,
    login,
    unique_email,
    with_identity,
)
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import JWKSClient, TokenVerifier
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, client_for

from user_service.app import create_app
from user_service.config import Settings
from user_service.events.events import UserRegistered

pytestmark = pytest.mark.integration

JWKS_URL = "http://testserver.local/api/auth/.well-known/jwks.json"


async def _counts(sql: SQL) -> tuple[int, int]:
    users = (await sql("SELECT count(*) FROM user_account"))[0][0]
    events = (await sql("SELECT count(*) FROM shopkit_outbox"))[0][0]
    return users, events


async def test_register_normalises_the_email_and_announces_the_user(
    client: AsyncTestClient[Litestar], event_collector: CollectorFactory
) -> None:
    collector = await event_collector(UserRegistered.event_type)
    email = unique_email("New.Person")
    response = await client.post(
        "/api/auth/register",
        json={"email": f"  {email.upper()} ", "password": GOOD_PASSWORD, "name": "New Person"},
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert set(user) == {"id", "email", "name", "roles", "created_at"}
    assert user["email"] == email.lower()
    assert user["roles"] == ["customer"]

    for _ in range(20):
        received = await collector.next(timeout=5)
        event = payload_as(received.envelope, UserRegistered)
        if event.user_id == user["id"]:
            break
    else:
        pytest.fail("user.registered.v1 never arrived")
    assert (event.email, event.name) == (email.lower(), "New Person")
    assert received.envelope.producer == "user-service"


async def test_a_taken_email_is_409_whatever_its_case(
    client: AsyncTestClient[Litestar], sql: SQL
) -> None:
    email = unique_email()
    body = {"email": email, "password": GOOD_PASSWORD, "name": "First"}
    assert (await client.post("/api/auth/register", json=body)).status_code == 201
    before = await _counts(sql)
    again = await client.post(
        "/api/auth/register", json={**body, "email": f" {email.upper()}", "name": "Second"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "email-taken"
    assert await _counts(sql) == before


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-1", "password-too-short"),
        ("onlyletterslong", "password-only-letters-or-digits"),
        ("12345678901234", "password-only-letters-or-digits"),
        ("{local}-2026-x", "password-contains-email"),
        ("password123", "password-too-common"),
    ],
)
async def test_a_weak_password_is_422_naming_the_rule_and_nothing_is_written(
    client: AsyncTestClient[Litestar], sql: SQL, password: str, code: str
) -> None:
    local = f"weakling{uuid.uuid4().hex[:6]}"
    before = await _counts(sql)
    response = await client.post(
        "/api/auth/register",
        json={
            "email": f"{local}@example.com",
            "password": password.format(local=local),
            "name": "Weak",
        },
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == code
    assert problem["invalid_params"][0]["name"] == "password"
    assert await _counts(sql) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": GOOD_PASSWORD, "name": "X"}, "email"),
        ({"email": "a@example.com", "password": GOOD_PASSWORD, "name": ""}, "name"),
        ({"email": "a@example.com", "password": GOOD_PASSWORD}, "name"),
        (
            {"email": "a@example.com", "password": GOOD_PASSWORD, "name": "X", "roles": ["admin"]},
            "roles",
        ),
    ],
)
async def test_malformed_registrations_are_422_naming_the_field(
    client: AsyncTestClient[Litestar], body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_login_issues_an_access_token_the_sdk_verifier_accepts(
    client: AsyncTestClient[Litestar], make_account: AccountFactory
) -> None:
    account = await make_account()
    response = await login(client, f" {account.email.upper()}", GOOD_PASSWORD)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    pair = response.json()
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900
    assert pair["refresh_token"]
    assert "." not in pair["refresh_token"]

    jwks = JWKSClient(JWKS_URL, http_client=client)
    principal = await TokenVerifier(jwks).verify(pair["access_token"])
    assert principal.subject == account.id
    assert principal.roles == frozenset({"customer"})
    assert principal.email == account.email
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert (claims["iss"], claims["aud"], claims["typ"]) == ("shopkit", "shopkit", "access")
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: AsyncTestClient[Litestar], make_account: AccountFactory
) -> None:
    account = await make_account()
    wrong = await login(client, account.email, "wrong-horse-42")
    unknown = await login(client, unique_email("nobody"), "wrong-horse-42")
    assert wrong.status_code == unknown.status_code == 401

    def comparable(body: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in body.items() if k != "request_id"}

    assert comparable(wrong.json()) == comparable(unknown.json())
    assert wrong.json()["code"] == "invalid-credentials"


async def test_wrong_password_and_unknown_email_take_the_same_time(settings: Settings) -> None:
    """With production argon2 parameters, so that skipping the hash would show."""
    real = with_identity(
        settings, argon2_time_cost=3, argon2_memory_kib=65536, argon2_parallelism=4
    )
    async with client_for(create_app(real)) as client:
        email = unique_email()
        body = {"email": email, "password": GOOD_PASSWORD, "name": "Timed"}
        assert (await client.post("/api/auth/register", json=body)).status_code == 201

        async def duration(login_email: str) -> float:
            started = time.perf_counter()
            response = await login(client, login_email, "wrong-horse-42")
            assert response.status_code == 401
            return time.perf_counter() - started

        await duration(unique_email())  # warm up: the dummy hash is made on first use
        known = statistics.median([await duration(email) for _ in range(3)])
        unknown = statistics.median([await duration(unique_email()) for _ in range(3)])
    assert abs(known - unknown) < 0.5 * max(known, unknown), (known, unknown)


async def test_login_upgrades_a_hash_made_with_old_parameters(
    settings: Settings, client: AsyncTestClient[Litestar], sql: SQL
) -> None:
    email = unique_email()
    body = {"email": email, "password": GOOD_PASSWORD, "name": "Old Hash"}
    assert (await client.post("/api/auth/register", json=body)).status_code == 201
    before = (await sql("SELECT password_hash FROM user_account WHERE email = :e", e=email))[0][0]
    assert "t=1" in before

    async with client_for(create_app(with_identity(settings, argon2_time_cost=2))) as stronger:
        assert (await login(stronger, email, GOOD_PASSWORD)).status_code == 200
    after = (await sql("SELECT password_hash FROM user_account WHERE email = :e", e=email))[0][0]
    assert after != before
    assert "t=2" in after
    assert (await login(client, email, GOOD_PASSWORD)).status_code == 200
